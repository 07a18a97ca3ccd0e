using System.Diagnostics;
using OpenTelemetry;

namespace Raindrop.Testing;

/// <summary>
/// An <see cref="IRaindropClient"/> for an app's own unit tests: sends nothing and records every call
/// (AI and plain events, interactions with their properties, input, output and finished state, signals,
/// identifies and spans) for assertions. Validates arguments like <see cref="RaindropClient"/>
/// (<see cref="ArgumentException"/> naming a missing <c>UserId</c>, <c>Event</c>, ...), so a test catches the
/// calls the real client would reject. Properties and traits are copied at the call, as the real client snapshots
/// them. Thread-safe; every list is a snapshot.
/// </summary>
public sealed class InMemoryRaindropClient : IRaindropClient
{
    private readonly object _gate = new();
    private readonly List<AiEvent> _aiEvents = [];
    private readonly List<TrackEvent> _events = [];
    private readonly List<Signal> _signals = [];
    private readonly List<RecordedIdentify> _identifies = [];
    private readonly List<InMemoryInteraction> _interactions = [];
    private readonly List<RecordedSpan> _spans = [];
    private readonly AsyncLocal<InMemoryInteraction?> _current = new();
    private readonly AsyncLocal<RaindropScope?> _scope = new();
    private int _flushes;
    private int _disposed;

    /// <summary>The <see cref="TrackAi"/> calls, in order, each with its <c>EventId</c> filled in.</summary>
    public IReadOnlyList<AiEvent> AiEvents => Snapshot(_aiEvents);

    /// <summary>The <see cref="Track"/> calls, in order, each with its <c>EventId</c> filled in.</summary>
    public IReadOnlyList<TrackEvent> Events => Snapshot(_events);

    /// <summary>The <see cref="TrackSignal"/> calls, in order.</summary>
    public IReadOnlyList<Signal> Signals => Snapshot(_signals);

    /// <summary>The <see cref="Identify"/> calls, in order.</summary>
    public IReadOnlyList<RecordedIdentify> Identifies => Snapshot(_identifies);

    /// <summary>The interactions begun (and resumed by an id not seen before), in order.</summary>
    public IReadOnlyList<InMemoryInteraction> Interactions => Snapshot(_interactions);

    /// <summary>Every span, in start order (<see cref="RecordedSpan.EventId"/> says which interaction, if any).</summary>
    public IReadOnlyList<RecordedSpan> Spans => Snapshot(_spans);

    /// <summary>How many times <see cref="FlushAsync"/> was called.</summary>
    public int FlushCount => Volatile.Read(ref _flushes);

    /// <summary>True once <see cref="DisposeAsync"/> was called.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>What the real client would count: everything recorded is "enqueued" and "sent"; nothing drops or fails.</summary>
    public RaindropStatistics Statistics
    {
        get
        {
            lock (_gate)
            {
                long n = _aiEvents.Count + _events.Count + _signals.Count + _identifies.Count;
                return new RaindropStatistics(n, n, 0, 0, 0);
            }
        }
    }

    /// <inheritdoc />
    public string TrackAi(AiEvent aiEvent)
    {
        ArgumentNullException.ThrowIfNull(aiEvent);
        Require(aiEvent.UserId, nameof(AiEvent.UserId));
        Require(aiEvent.Event, nameof(AiEvent.Event));
        if (aiEvent.Input is null && aiEvent.Output is null)
        {
            throw new ArgumentException("AiEvent needs an Input or an Output; both were null.", nameof(aiEvent));
        }

        var id = string.IsNullOrEmpty(aiEvent.EventId) ? NewId() : aiEvent.EventId;
        Add(_aiEvents, aiEvent with { EventId = id, Properties = Copy(aiEvent.Properties) });
        return id;
    }

    /// <inheritdoc />
    public string Track(TrackEvent trackEvent)
    {
        ArgumentNullException.ThrowIfNull(trackEvent);
        Require(trackEvent.UserId, nameof(TrackEvent.UserId));
        Require(trackEvent.Event, nameof(TrackEvent.Event));
        var id = string.IsNullOrEmpty(trackEvent.EventId) ? NewId() : trackEvent.EventId;
        Add(_events, trackEvent with { EventId = id, Properties = Copy(trackEvent.Properties) });
        return id;
    }

    /// <inheritdoc />
    public void TrackSignal(Signal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        Require(signal.EventId, nameof(Signal.EventId));
        Require(signal.Name, nameof(Signal.Name));
        Add(_signals, signal.Properties is null ? signal : signal with { Properties = Copy(signal.Properties) });
    }

    /// <inheritdoc />
    public void Identify(string userId, IReadOnlyDictionary<string, object?>? traits = null)
    {
        Require(userId, nameof(userId));
        Add(_identifies, new RecordedIdentify(userId, Copy(traits) ?? new Dictionary<string, object?>()));
    }

    /// <inheritdoc />
    public IInteraction Begin(InteractionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (RaindropScope.Current(_scope) is { } scope)
        {
            options = options with
            {
                UserId = string.IsNullOrEmpty(options.UserId) ? scope.UserId : options.UserId,
                ConvoId = string.IsNullOrEmpty(options.ConvoId) ? scope.ConvoId : options.ConvoId,
                Properties = Copy(RaindropScope.Merge(scope.Properties, options.Properties)),
            };
        }

        Require(options.UserId, nameof(InteractionOptions.UserId));
        Require(options.Event, nameof(InteractionOptions.Event));
        var interaction = new InMemoryInteraction(this, string.IsNullOrEmpty(options.EventId) ? NewId() : options.EventId, options);
        Add(_interactions, interaction);
        _current.Value = interaction;
        return interaction;
    }

    /// <inheritdoc />
    public IDisposable BeginScope(string? userId = null, string? convoId = null, IReadOnlyDictionary<string, object?>? properties = null) =>
        RaindropScope.Begin(_scope, userId, convoId, properties);

    /// <inheritdoc />
    public IInteraction ResumeInteraction(string eventId)
    {
        Require(eventId, nameof(eventId));
        lock (_gate)
        {
            var known = _interactions.LastOrDefault(i => i.EventId == eventId);
            if (known is not null)
            {
                return known;
            }

            var handle = new InMemoryInteraction(this, eventId, options: null);
            _interactions.Add(handle);
            return handle;
        }
    }

    /// <inheritdoc />
    public IInteraction? ResumeInteraction() => _current.Value;

    /// <summary>Records a task or tool span of the ambient interaction (the last one begun in this async flow), or unassociated, in <see cref="Spans"/>.</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A span that reports what is recorded on it to its <see cref="RecordedSpan"/>.</returns>
    public RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null) => StartSpan(_current.Value?.EventId, kind, name, options);

    /// <inheritdoc />
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null) => StartLlmSpan(_current.Value?.EventId, model, prompt, name);

    /// <inheritdoc />
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null) => TrackTool(_current.Value?.EventId, name, input, output, error);

    /// <summary>A processor that exports nothing: this client sends nothing.</summary>
    /// <returns>A no-op processor.</returns>
    public BaseProcessor<Activity> CreateSpanProcessor() => new NoopProcessor();

    /// <summary>Counts the call; nothing is queued, so it completes at once with <see langword="true"/>.</summary>
    /// <param name="cancellationToken">Throws <see cref="OperationCanceledException"/> when already cancelled, like the real client.</param>
    /// <returns><see langword="true"/>.</returns>
    public Task<bool> FlushAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _flushes);
        return Task.FromResult(true);
    }

    /// <summary>Marks the client disposed; what was recorded stays readable.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _disposed, 1);
        return ValueTask.CompletedTask;
    }

    /// <summary>Forgets everything recorded (and the ambient interaction of the calling flow).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _aiEvents.Clear();
            _events.Clear();
            _signals.Clear();
            _identifies.Clear();
            _interactions.Clear();
            _spans.Clear();
        }

        _current.Value = null;
    }

    // The span primitives, for the client (the ambient interaction's id) and an InMemoryInteraction (its own id). The
    // WithSpan/WithTool helpers are the SDK's extension methods over StartSpan, so they record here too.
    internal RaindropSpan StartSpan(string? eventId, RaindropSpanKind kind, string name, SpanOptions? options)
    {
        var kindName = kind switch
        {
            RaindropSpanKind.Task => "task",
            RaindropSpanKind.Tool => "tool",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a span kind."),
        };
        return new RaindropSpan(OpenSpan(name, kindName, eventId, options));
    }

    internal RaindropSpan StartLlmSpan(string? eventId, string model, IReadOnlyList<LlmMessage>? prompt, string? name)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var span = OpenSpan(string.IsNullOrEmpty(name) ? "chat" : name, "llm", eventId, new SpanOptions { Input = prompt });
        span.SetProperties(new Dictionary<string, object?> { ["gen_ai.request.model"] = model });
        return new RaindropSpan(span);
    }

    internal void TrackTool(string? eventId, string name, object? input, object? output, Exception? error)
    {
        var span = OpenSpan(name, "tool", eventId, new SpanOptions { Input = input });
        span.RecordOutput(output);
        span.Ended(error);
    }

    private RecordedSpan OpenSpan(string name, string kind, string? eventId, SpanOptions? options)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var span = new RecordedSpan(name, kind, eventId, options);
        Add(_spans, span);
        return span;
    }

    private static void Require(string? value, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"{name} is required.", name);
        }
    }

    private static string NewId() => Guid.NewGuid().ToString();

    // What is recorded is copied at the call, as the real client snapshots it: an app changing its dictionary
    // afterwards changes neither what the real client sends nor what a test reads here.
    private static Dictionary<string, object?>? Copy(IReadOnlyDictionary<string, object?>? properties) =>
        properties is null ? null : new Dictionary<string, object?>(properties, StringComparer.Ordinal);

    private void Add<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }
    }

    private List<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    private sealed class NoopProcessor : BaseProcessor<Activity>;
}
