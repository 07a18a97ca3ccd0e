using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.AI;
using Raindrop.Tracing;

namespace Raindrop.Benchmarks;

/// <summary>
/// One chat call through <c>UseRaindrop()</c>, against the same call to the model alone. The model is in-process and
/// answers at once with a fixed response and usage, so the figures are the middleware's. Inside an interaction the
/// call is an LLM span of an open interaction (never finished, so nothing is queued) and fills its input, output,
/// model and tokens; outside one it is an LLM span and one AI event (queued, the oldest dropped; see
/// <see cref="BenchSetup"/>), the user named in the call's options (which the middleware then copies without its
/// key) or by a <c>UserIdResolver</c>. An <see cref="ActivityListener"/> records every <c>Raindrop.Sdk</c> span and
/// exports nothing.
/// </summary>
[MemoryDiagnoser]
public class ChatBenchmarks
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.System, "You are a support agent. Be brief."), new(ChatRole.User, BenchSetup.Input)];

    private readonly ChatOptions _withUser = new() { AdditionalProperties = new() { [RaindropChatClientOptions.UserIdKey] = BenchSetup.UserId } };
    private FixedModel _model = null!;
    private IChatClient _chat = null!;
    private IChatClient _resolved = null!;
    private RaindropClient? _client;
    private ParkingHandler _handler = null!;
    private ActivityListener? _listener;
    private IInteraction? _interaction;
    private string? _eventId;
    private long _spansOfInteraction;

    [GlobalSetup(Target = nameof(ModelAlone))]
    public void SetupModel() => _model = new FixedModel();

    [GlobalSetup(Target = nameof(InsideInteraction))]
    public void SetupInside()
    {
        Create();

        // Ambient from here on: BenchmarkDotNet runs the workload on this thread, after this method.
        _interaction = _client!.Begin(new InteractionOptions { UserId = BenchSetup.UserId, Event = "chat_message", ConvoId = BenchSetup.ConvoId });
        _eventId = _interaction.EventId;
    }

    [GlobalSetup(Targets = [nameof(OutsideInteraction), nameof(OutsideInteraction_ResolvedUser)])]
    public void SetupOutside()
    {
        Create();
        BenchSetup.Prime(_handler, routes: 1, () => _chat.GetResponseAsync(Messages, _withUser).GetAwaiter().GetResult());
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _listener?.Dispose();
        if (_client is not null)
        {
            BenchSetup.Close(_client, _handler, nameof(ChatBenchmarks));
        }

        if (_interaction is not null && Interlocked.Read(ref _spansOfInteraction) == 0)
        {
            throw new InvalidOperationException("InsideInteraction recorded no span of the interaction: it was not ambient in the workload.");
        }
    }

    [Benchmark(Baseline = true)]
    public Task<ChatResponse> ModelAlone() => _model.GetResponseAsync(Messages);

    [Benchmark]
    public Task<ChatResponse> InsideInteraction() => _chat.GetResponseAsync(Messages);

    [Benchmark]
    public Task<ChatResponse> OutsideInteraction() => _chat.GetResponseAsync(Messages, _withUser);

    [Benchmark]
    public Task<ChatResponse> OutsideInteraction_ResolvedUser() => _resolved.GetResponseAsync(Messages);

    private void Create()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RaindropActivitySource.Name,
            Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            SampleUsingParentId = static (ref ActivityCreationOptions<string> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                if (_eventId is not null && activity.GetTagItem("traceloop.association.properties.event_id") as string == _eventId)
                {
                    Interlocked.Increment(ref _spansOfInteraction);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
        (_client, _handler) = BenchSetup.CreateClient();
        _model = new FixedModel();
        _chat = _model.AsBuilder().UseRaindrop(_client).Build();
        _resolved = _model.AsBuilder().UseRaindrop(_client, o => o.UserIdResolver = static _ => BenchSetup.UserId).Build();
    }

    /// <summary>A model that answers every call at once with the same response (one task, made once).</summary>
    private sealed class FixedModel : IChatClient
    {
        private readonly ChatClientMetadata _metadata = new("bench", defaultModelId: BenchSetup.Model);

        private readonly Task<ChatResponse> _answer = Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, BenchSetup.Output))
        {
            ModelId = BenchSetup.Model,
            FinishReason = ChatFinishReason.Stop,
            Usage = new UsageDetails { InputTokenCount = 120, OutputTokenCount = 64, TotalTokenCount = 184 },
        });

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) => _answer;

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceKey is not null ? null : serviceType == typeof(ChatClientMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose()
        {
        }
    }
}
