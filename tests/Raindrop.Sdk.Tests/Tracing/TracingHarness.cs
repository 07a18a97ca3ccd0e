using System.Collections;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using OpenTelemetry.Trace;
using Raindrop.Sdk.Tests.TestSupport;

namespace Raindrop.Sdk.Tests.Tracing;

/// <summary>Attribute names the tests read (spelled out, not taken from the SDK, so a rename is caught).</summary>
internal static class Attr
{
    public const string Kind = "traceloop.span.kind";
    public const string EntityName = "traceloop.entity.name";
    public const string Input = "traceloop.entity.input";
    public const string Output = "traceloop.entity.output";
    public const string Version = "traceloop.entity.version";
    public const string EventId = "traceloop.association.properties.event_id";
    public const string UserId = "traceloop.association.properties.user_id";
    public const string ConvoId = "traceloop.association.properties.convo_id";
    public const string EventName = "traceloop.association.properties.event_name";
    public const string Marker = "...[truncated by raindrop]";
    public const string AiSource = "Experimental.Microsoft.Extensions.AI";

    public static string NewId() => Guid.NewGuid().ToString("N");
}

/// <summary>A thread-safe collection for the in-memory exporter (other test classes' spans may arrive concurrently).</summary>
internal sealed class SpanList : ICollection<Activity>
{
    private readonly List<Activity> _items = [];

    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    public bool IsReadOnly => false;

    public IReadOnlyList<Activity> Snapshot()
    {
        lock (_items)
        {
            return [.. _items];
        }
    }

    public void Add(Activity item)
    {
        lock (_items)
        {
            _items.Add(item);
        }
    }

    public void Clear()
    {
        lock (_items)
        {
            _items.Clear();
        }
    }

    public bool Contains(Activity item)
    {
        lock (_items)
        {
            return _items.Contains(item);
        }
    }

    public void CopyTo(Activity[] array, int arrayIndex)
    {
        lock (_items)
        {
            _items.CopyTo(array, arrayIndex);
        }
    }

    public bool Remove(Activity item)
    {
        lock (_items)
        {
            return _items.Remove(item);
        }
    }

    public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>
/// External-mode setup: a FakeApi, a client with <c>UseExternalOpenTelemetry</c>, and the app's own provider with
/// <c>AddRaindrop(client)</c> plus an in-memory exporter that sees every span from the listened sources.
/// </summary>
internal sealed class TracingHarness : IAsyncDisposable
{
    private TracingHarness(FakeApi api, RaindropClient client, TracerProvider provider, SpanList spans)
    {
        Api = api;
        Client = client;
        Provider = provider;
        Spans = spans;
    }

    public FakeApi Api { get; }

    public RaindropClient Client { get; }

    public TracerProvider Provider { get; }

    public SpanList Spans { get; }

    public static TracingHarness Create(Action<RaindropOptions>? configure = null, params string[] extraSources)
    {
        var api = new FakeApi();
        var client = api.Client(o =>
        {
            o.UseExternalOpenTelemetry = true;
            configure?.Invoke(o);
        });
        var spans = new SpanList();
        var builder = OpenTelemetry.Sdk.CreateTracerProviderBuilder().AddRaindrop(client);
        foreach (var source in extraSources)
        {
            builder.AddSource(source);
        }

        var provider = builder.AddInMemoryExporter(spans).Build()!;
        return new TracingHarness(api, client, provider, spans);
    }

    /// <summary>A client with its own (owned) provider, which listens from the constructor on.</summary>
    public static RaindropClient OwnedClient(FakeApi api, Action<RaindropOptions>? configure = null) => api.Client(configure);

    public IInteraction Begin(string eventId, string eventName = "chat", string userId = "user-1", string? convoId = "convo-1") =>
        Client.Begin(new InteractionOptions { UserId = userId, Event = eventName, EventId = eventId, ConvoId = convoId });

    /// <summary>The spans seen in memory that carry this event id.</summary>
    public IReadOnlyList<Activity> SpansOf(string eventId) =>
        Spans.Snapshot().Where(a => a.GetTagItem(Attr.EventId) as string == eventId).ToList();

    public Activity Span(string eventId, string name)
    {
        var matches = SpansOf(eventId).Where(a => a.DisplayName == name).ToList();
        Assert.True(matches.Count == 1, $"expected one span '{name}' for {eventId}; saw [{string.Join(", ", SpansOf(eventId).Select(a => a.DisplayName))}]");
        return matches[0];
    }

    /// <summary>Flushes the client and waits until what reached /v1/traces satisfies <paramref name="until"/>.</summary>
    public Task<IReadOnlyList<OtlpSpan>> ExportedAsync(Func<IReadOnlyList<OtlpSpan>, bool> until) => ExportedAsync(Api, Client, until);

    public static async Task<IReadOnlyList<OtlpSpan>> ExportedAsync(FakeApi api, RaindropClient client, Func<IReadOnlyList<OtlpSpan>, bool> until)
    {
        await client.FlushAsync();
        IReadOnlyList<OtlpSpan> spans = [];
        await FakeApi.Eventually(() => until(spans = OtlpReader.ReadAll(api.Bodies("traces"))), TimeSpan.FromSeconds(8));
        return spans;
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        Provider.Dispose();
        Api.Dispose();
    }
}

/// <summary>An <see cref="IChatClient"/> that answers a fixed response with usage, for the auto-capture tests.</summary>
internal sealed class FakeChatClient : IChatClient
{
    public const string Model = "fake-model";

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "hello there"))
        {
            ModelId = Model + "-2025",
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 7, OutputTokenCount = 3, TotalTokenCount = 10 },
        });

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("fake", new Uri("http://fake.local/"), Model)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
    }
}
