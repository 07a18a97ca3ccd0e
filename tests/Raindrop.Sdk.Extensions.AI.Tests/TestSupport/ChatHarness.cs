using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Raindrop.Sdk.Extensions.AI.Tests.TestSupport;

/// <summary>Attribute names the tests read, spelled out (not taken from the SDK) so a rename is caught.</summary>
internal static class Attr
{
    public const string Kind = "traceloop.span.kind";
    public const string Input = "traceloop.entity.input";
    public const string Output = "traceloop.entity.output";
    public const string EventId = "traceloop.association.properties.event_id";
    public const string UserId = "traceloop.association.properties.user_id";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string Prompt0 = "gen_ai.prompt.0.content";
    public const string Completion0 = "gen_ai.completion.0.content";
    public const string FinishReason = "gen_ai.completion.0.finish_reason";
    public const string AiSource = "Experimental.Microsoft.Extensions.AI";
    public const long Error = 2;
}

/// <summary>
/// One test's world: a loopback Raindrop API, a client with its own OpenTelemetry provider exporting there, a
/// captured log, and the scripted model. Reads back what reached the server: events and decoded OTLP spans.
/// </summary>
internal sealed class ChatHarness : IAsyncDisposable
{
    private readonly ILoggerFactory _loggerFactory;

    public ChatHarness(Action<RaindropOptions>? configure = null)
    {
        Logs = new FakeLoggerProvider();
        _loggerFactory = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(Logs));
        Client = Api.Client(o =>
        {
            o.LoggerFactory = _loggerFactory;
            configure?.Invoke(o);
        });
    }

    public FakeApi Api { get; } = new();

    public RaindropClient Client { get; }

    public FakeLoggerProvider Logs { get; }

    public ScriptedChatClient Model { get; } = new();

    public static string NewId() => Guid.NewGuid().ToString();

    /// <summary>The model behind <c>UseRaindrop(Client)</c>, with more middleware around it when given.</summary>
    public IChatClient Chat(Action<RaindropChatClientOptions>? configure = null, Func<ChatClientBuilder, ChatClientBuilder>? before = null, Func<ChatClientBuilder, ChatClientBuilder>? after = null)
    {
        var builder = Model.AsBuilder();
        builder = before?.Invoke(builder) ?? builder;
        builder = builder.UseRaindrop(Client, configure);
        builder = after?.Invoke(builder) ?? builder;
        return builder.Build();
    }

    /// <summary>
    /// A pipeline in the given order, outermost first: <c>R</c> UseRaindrop(Client), <c>O</c> UseOpenTelemetry (with
    /// sensitive data), <c>F</c> UseFunctionInvocation (with <paramref name="additionalTools"/> as its AdditionalTools).
    /// <paramref name="model"/> replaces the scripted model at the bottom when given.
    /// </summary>
    public IChatClient Pipeline(string order, IList<AITool>? additionalTools = null, IChatClient? model = null, Action<RaindropChatClientOptions>? configure = null)
    {
        var builder = new ChatClientBuilder(model ?? Model);
        foreach (var layer in order)
        {
            builder = layer switch
            {
                'R' => builder.UseRaindrop(Client, configure),
                'O' => builder.UseOpenTelemetry(configure: c => c.EnableSensitiveData = true),
                'F' => builder.UseFunctionInvocation(configure: f => f.AdditionalTools = additionalTools),
                _ => throw new ArgumentException(order, nameof(order)),
            };
        }

        return builder.Build();
    }

    public IInteraction Begin(string eventId, string? input = null, string? model = null) =>
        Client.Begin(new InteractionOptions { UserId = "user-1", Event = "ask", EventId = eventId, ConvoId = "convo-1", Input = input, Model = model });

    /// <summary>Every post of an interaction on <c>events/track_partial</c>, merged, once its final post arrived.</summary>
    public async Task<JsonObject> InteractionEventAsync(string eventId)
    {
        await Client.FlushAsync();
        List<JsonObject> posts = [];
        Assert.True(
            await FakeApi.Eventually(() => (posts = Api.Items("events/track_partial").Where(o => (string?)o["event_id"] == eventId).ToList()).Any(p => p["is_pending"] is JsonValue v && !v.GetValue<bool>())),
            $"no final post for {eventId}");
        return Merge(posts);
    }

    /// <summary>The single-shot events (<c>events/track</c>) that arrived, after a flush.</summary>
    public async Task<IReadOnlyList<JsonObject>> TrackedAsync(Func<IReadOnlyList<JsonObject>, bool> until)
    {
        await Client.FlushAsync();
        IReadOnlyList<JsonObject> items = [];
        await FakeApi.Eventually(() => until(items = Api.Items("events/track")), TimeSpan.FromSeconds(5));
        return items;
    }

    /// <summary>The spans that reached <c>/v1/traces</c> once <paramref name="until"/> holds (or after a bounded wait).</summary>
    public async Task<IReadOnlyList<OtlpSpan>> SpansAsync(Func<IReadOnlyList<OtlpSpan>, bool> until)
    {
        await Client.FlushAsync();
        IReadOnlyList<OtlpSpan> spans = [];
        await FakeApi.Eventually(() => until(spans = OtlpReader.ReadAll(Api.Bodies("traces"))), TimeSpan.FromSeconds(5));
        return spans;
    }

    public IReadOnlyList<string> Warnings() =>
        Logs.Collector.GetSnapshot().Where(r => r.Level >= LogLevel.Warning).Select(r => r.Message).ToList();

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        Api.Dispose();
        Logs.Dispose();
        _loggerFactory.Dispose();
    }

    private static JsonObject Merge(IEnumerable<JsonObject> posts)
    {
        var merged = new JsonObject();
        var properties = new JsonObject();
        var aiData = new JsonObject();
        foreach (var post in posts)
        {
            foreach (var (key, value) in post)
            {
                var target = key switch { "properties" => properties, "ai_data" => aiData, _ => null };
                if (target is null)
                {
                    merged[key] = value?.DeepClone();
                    continue;
                }

                foreach (var (name, v) in value!.AsObject())
                {
                    target[name] = v?.DeepClone();
                }
            }
        }

        merged["properties"] = properties;
        merged["ai_data"] = aiData;
        return merged;
    }
}
