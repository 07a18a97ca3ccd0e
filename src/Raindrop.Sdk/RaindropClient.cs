using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry;
using Raindrop.Delivery;
using Raindrop.Diagnostics;

namespace Raindrop;

/// <summary>
/// Sends AI interactions, events, signals, user traits and traces to Raindrop. Thread-safe; create one per
/// write key and reuse it. Dispose it (<c>await using</c>) to flush what is queued within
/// <see cref="RaindropOptions.CloseTimeout"/>.
/// </summary>
public sealed class RaindropClient : IRaindropClient, IDisposable
{
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly Outcomes _outcomes;
    private readonly InputNormalizer _input;
    private readonly DeliveryPipeline? _pipeline;
    private readonly EventIntake _intake;
    private readonly TimeProvider _time;
    private int _closed;
    private int _loggedAfterClose;
    private readonly AsyncLocal<RaindropScope?> _scope = new();

    /// <summary>Creates a client. Invalid options throw here, naming the setting; a missing write key only disables the client.</summary>
    /// <param name="options">The settings; see <see cref="RaindropOptions"/>.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it).</exception>
    public RaindropClient(RaindropOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors), nameof(options));
        }

        _options = options;
        _time = options.TimeProvider ?? TimeProvider.System;
        _logger = ContainedLogger.Create(options.LoggerFactory, "Raindrop.Sdk", options.DebugLogs);
        _outcomes = new Outcomes(this, _time, _logger, options.DebugLogs);
        _input = new InputNormalizer(options, _time, _logger, _outcomes);
        RaindropOptions.TryNormalizeEndpoint(options.Endpoint, out var baseUri);
        BaseUri = baseUri;

        if (!options.Disabled && string.IsNullOrEmpty(options.WriteKey))
        {
            Log.MissingWriteKey(_logger);
        }

        IsEnabled = !options.Disabled && !string.IsNullOrEmpty(options.WriteKey);

        // Background loops and threads (delivery workers, the partial-event sweep, the OpenTelemetry export thread)
        // start without the creator's ExecutionContext: no ambient Activity or interaction of the code that happened
        // to create the client leaks into them (WIRE.md §7).
        var flow = ExecutionContext.IsFlowSuppressed() ? default(AsyncFlowControl?) : ExecutionContext.SuppressFlow();
        try
        {
            if (IsEnabled)
            {
                _pipeline = new DeliveryPipeline(options, baseUri, _time, _outcomes);
            }

            Interactions = new Interactions.InteractionRegistry(this, options, _time, _logger);
            SpanExport = new Tracing.TraceExport(this, options, baseUri, _time, _logger);
        }
        finally
        {
            flow?.Undo();
        }

        _intake = new EventIntake(this, _input, _pipeline);
        Tracer = new Tracing.Tracer(this, options, _time, _logger);
        if (IsEnabled)
        {
            LiveClients.Add(this, options.CaptureUnownedSpans, _logger);

            // An app that exits without disposing the client still gets what it queued sent, within CloseTimeout.
            AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        }
    }

    /// <summary>
    /// Raised on a background thread when items could not be delivered (rejected, retries exhausted, queue full,
    /// or not sent by the close deadline). Handlers must be quick; an exception from one is logged and ignored.
    /// </summary>
    public event EventHandler<DeliveryFailedEventArgs>? DeliveryFailed
    {
        add => _outcomes.DeliveryFailed += value;
        remove => _outcomes.DeliveryFailed -= value;
    }

    /// <summary>False when the client sends nothing: <see cref="RaindropOptions.Disabled"/> or no write key.</summary>
    public bool IsEnabled { get; }

    /// <summary>A snapshot of the delivery counters (enqueued, sent, retried, dropped, failed).</summary>
    public RaindropStatistics Statistics => _outcomes.Snapshot();

    internal Uri BaseUri { get; }

    internal Interactions.InteractionRegistry Interactions { get; }

    internal InputNormalizer Input => _input;

    internal Tracing.Tracer Tracer { get; }

    internal Tracing.TraceExport SpanExport { get; }

    internal ILogger Logger => _logger;

    internal bool TakesUnownedSpans => _options.CaptureUnownedSpans;

    /// <summary>Whether the app asked for <see cref="RaindropOptions.CaptureChatClients"/> (read by the host start-up check).</summary>
    internal bool CapturesChatClients => _options.CaptureChatClients;

    internal bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <inheritdoc />
    public string TrackAi(AiEvent aiEvent) => _intake.TrackAi(aiEvent);

    /// <inheritdoc />
    public string Track(TrackEvent trackEvent) => _intake.Track(trackEvent);

    /// <inheritdoc />
    public void TrackSignal(Signal signal) => _intake.TrackSignal(signal);

    /// <inheritdoc />
    public void Identify(string userId, IReadOnlyDictionary<string, object?>? traits = null) => _intake.Identify(userId, traits);

    /// <inheritdoc />
    public Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_pipeline is null || IsClosed)
        {
            return Task.FromResult(true);
        }

        Tracer.EndOpenSpans(); // a stream the app never disposed ends, with what arrived, so its span is flushed too
        return _pipeline.FlushAllAsync(Interactions, SpanExport, _options.FlushTimeout, _logger, cancellationToken);
    }

    /// <summary>
    /// Stops accepting calls, flushes unfinished interactions (as pending) and everything queued, and returns
    /// within <see cref="RaindropOptions.CloseTimeout"/> even if the server never answers; what could not be
    /// sent by then is counted as dropped. Safe to call more than once; never throws.
    /// </summary>
    /// <returns>A task that completes when the client is closed.</returns>
    public ValueTask DisposeAsync() => CloseAsync(CancellationToken.None);

    /// <summary>
    /// <see cref="DisposeAsync"/>, cut short when <paramref name="stop"/> fires before <see cref="RaindropOptions.CloseTimeout"/>
    /// (a host's shutdown timeout): what is not sent by then is dropped and counted as at the close deadline. Never throws.
    /// </summary>
    internal async ValueTask CloseAsync(CancellationToken stop)
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        Tracer.EndOpenSpans();
        LiveClients.Remove(this);
        try
        {
            if (_pipeline is not null)
            {
                await _pipeline.CloseAllAsync(Interactions, SpanExport, _options.CloseTimeout, _logger, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            SpanExport.Dispose();
            Interactions.Dispose();
            _outcomes.Dispose();
        }
    }

    /// <inheritdoc />
    public IInteraction Begin(InteractionOptions options) => Interactions.Begin(options);

    /// <inheritdoc />
    public IDisposable BeginScope(string? userId = null, string? convoId = null, IReadOnlyDictionary<string, object?>? properties = null) =>
        RaindropScope.Begin(_scope, userId, convoId, properties);

    /// <summary>A scope for a flow the app excluded from capture: its spans of no interaction are not exported.</summary>
    internal IDisposable SuppressScope() => RaindropScope.Begin(_scope, null, null, null, suppressed: true);

    /// <summary>The innermost open <see cref="BeginScope"/> scope of the current async flow, or null.</summary>
    internal RaindropScope? CurrentScope => RaindropScope.Current(_scope);

    /// <inheritdoc />
    public IInteraction ResumeInteraction(string eventId) => Interactions.Resume(eventId);

    /// <inheritdoc />
    public IInteraction? ResumeInteraction() => Interactions.Current;

    /// <inheritdoc />
    public BaseProcessor<Activity> CreateSpanProcessor() => SpanExport.CreateProcessor();

    /// <summary>Starts a task or tool span of the ambient interaction (<see cref="ResumeInteraction()"/>), or unassociated when there is none, that ends when the returned span is ended or disposed.</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return Tracer.StartManual(Interactions.Current, Tracing.Tracer.KindOf(kind), name, options);
    }

    /// <summary>Starts an LLM span of the ambient interaction (<see cref="ResumeInteraction()"/>), or unassociated when there is none, for a call made through a library that emits no telemetry: model and prompt as <c>gen_ai.*</c>; record the answer with <see cref="RaindropSpan.RecordOutput"/> and tokens with <see cref="RaindropSpan.RecordUsage"/>.</summary>
    /// <param name="model">The requested model; required.</param>
    /// <param name="prompt">The prompt messages.</param>
    /// <param name="name">The span's name (default <c>chat</c>, so the span is <c>chat.llm</c>).</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return Tracer.StartLlm(Interactions.Current, model, prompt, name);
    }

    /// <summary>Records a tool call that already happened as a tool span of the ambient interaction (<see cref="ResumeInteraction()"/>), or unassociated when there is none, ending now and lasting <paramref name="duration"/>.</summary>
    /// <param name="name">The tool's name; required.</param>
    /// <param name="input">The tool's input.</param>
    /// <param name="output">The tool's output.</param>
    /// <param name="duration">How long the call took.</param>
    /// <param name="error">The error it failed with, if it did.</param>
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        Tracer.TrackTool(Interactions.Current, name, input, output, duration < TimeSpan.Zero ? TimeSpan.Zero : duration, error);
    }

    /// <summary>Redacts (when <see cref="RaindropOptions.RedactPii"/> is on) and caps a text the way <c>ai_data</c> input/output are (for Raindrop.Sdk.Extensions.AI).</summary>
    internal string? PrepareText(string? text) => _input.Text(text);

    /// <summary>Whether spans of the source named <paramref name="sourceName"/> are captured by this client (its <c>InstrumentedSources</c>).</summary>
    internal bool CapturesSource(string sourceName) => Tracing.RaindropActivitySource.Matches(sourceName, SpanExport.Sources);

    /// <summary>Logs (once per client) that a call came after close.</summary>
    internal void WarnAfterClose(string call)
    {
        if (Interlocked.Exchange(ref _loggedAfterClose, 1) == 0)
        {
            Log.CalledAfterClose(_logger, call);
        }
    }

    /// <summary>Queues a partial-event update (interactions); false when the client is not sending.</summary>
    internal bool EnqueuePartial(EventItem item) => _pipeline is not null && _pipeline.Partial.TryEnqueue(item);

    /// <summary>
    /// Closes the client synchronously, for containers and <c>using</c> blocks that cannot await: the same as
    /// <see cref="DisposeAsync"/>, blocking the caller for at most <see cref="RaindropOptions.CloseTimeout"/> (plus the
    /// unwinding). Prefer <c>await using</c> where you can. Never throws.
    /// </summary>
    public void Dispose()
    {
        try
        {
            // Bounded by CloseTimeout inside (every await there is ConfigureAwait(false): no deadlock under a
            // SynchronizationContext); the extra second only covers the unwinding.
            DisposeAsync().AsTask().Wait(_options.CloseTimeout + TimeSpan.FromSeconds(1));
        }
        catch (AggregateException)
        {
            // DisposeAsync contains its own failures; nothing left to report.
        }
    }

    internal void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
