using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Raindrop.Delivery;
using Raindrop.Diagnostics;

namespace Raindrop;

/// <summary>
/// Sends AI interactions, events, signals, user traits and traces to Raindrop. Thread-safe; create one per
/// write key and reuse it. Dispose it (<c>await using</c>) to flush what is queued within
/// <see cref="RaindropOptions.CloseTimeout"/>.
/// </summary>
public sealed partial class RaindropClient : IRaindropClient, IDisposable
{
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly Outcomes _outcomes;
    private readonly InputNormalizer _input;
    private readonly DeliveryPipeline? _pipeline;
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
    public string TrackAi(AiEvent aiEvent)
    {
        ArgumentNullException.ThrowIfNull(aiEvent);
        var userId = _input.Id(InputNormalizer.Require(aiEvent.UserId, nameof(AiEvent.UserId), nameof(AiEvent)));
        var name = _input.Id(InputNormalizer.Require(aiEvent.Event, nameof(AiEvent.Event), nameof(AiEvent)));
        if (aiEvent.Input is null && aiEvent.Output is null)
        {
            throw new ArgumentException("AiEvent needs an Input or an Output; both were null.", nameof(AiEvent.Input));
        }

        var eventId = _input.Id(InputNormalizer.Optional(aiEvent.EventId)) ?? InputNormalizer.NewEventId();
        var attachments = _input.Attachments(aiEvent.Attachments, nameof(AiEvent));
        if (!Accepting(nameof(TrackAi)))
        {
            return eventId;
        }

        _pipeline!.Events.TryEnqueue(new EventItem(
            eventId,
            userId,
            name,
            aiEvent.Timestamp ?? _input.Now(),
            _input.Properties(aiEvent.Properties),
            attachments,
            _input.Text(aiEvent.Input),
            _input.Text(aiEvent.Output),
            InputNormalizer.Optional(aiEvent.Model),
            _input.Id(InputNormalizer.Optional(aiEvent.ConvoId)),
            isPending: null));
        return eventId;
    }

    /// <inheritdoc />
    public string Track(TrackEvent trackEvent)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        var userId = _input.Id(InputNormalizer.Require(trackEvent.UserId, nameof(TrackEvent.UserId), nameof(TrackEvent)));
        var name = _input.Id(InputNormalizer.Require(trackEvent.Event, nameof(TrackEvent.Event), nameof(TrackEvent)));
        var eventId = _input.Id(InputNormalizer.Optional(trackEvent.EventId)) ?? InputNormalizer.NewEventId();
        var attachments = _input.Attachments(trackEvent.Attachments, nameof(TrackEvent));
        if (!Accepting(nameof(Track)))
        {
            return eventId;
        }

        _pipeline!.Events.TryEnqueue(new EventItem(
            eventId, userId, name, trackEvent.Timestamp ?? _input.Now(), _input.Properties(trackEvent.Properties), attachments,
            input: null, output: null, model: null, convoId: null, isPending: null));
        return eventId;
    }

    /// <inheritdoc />
    public void TrackSignal(Signal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        InputNormalizer.Require(signal.EventId, nameof(Signal.EventId), nameof(Signal));
        InputNormalizer.Require(signal.Name, nameof(Signal.Name), nameof(Signal));
        if (!Enum.IsDefined(signal.Type) || (signal.Sentiment is { } s && !Enum.IsDefined(s)))
        {
            throw new ArgumentException("Signal.Type or Signal.Sentiment has an unknown value.", nameof(Signal.Type));
        }

        if (Accepting(nameof(TrackSignal)))
        {
            _pipeline!.Signals.TryEnqueue(new SignalItem(_input.Ids(signal), _input.Members(signal.Properties)));
        }
    }

    /// <inheritdoc />
    public void Identify(string userId, IReadOnlyDictionary<string, object?>? traits = null)
    {
        InputNormalizer.Require(userId, nameof(userId), nameof(Identify));
        if (Accepting(nameof(Identify)))
        {
            _pipeline!.Identify.TryEnqueue(new IdentifyItem(_input.Id(userId), _input.Members(traits)));
        }
    }

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
    public async ValueTask DisposeAsync()
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
                await _pipeline.CloseAllAsync(Interactions, SpanExport, _options.CloseTimeout, _logger).ConfigureAwait(false);
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

    private bool Accepting(string call)
    {
        if (_pipeline is null)
        {
            return false;
        }

        if (IsClosed)
        {
            WarnAfterClose(call);
            return false;
        }

        return true;
    }

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
