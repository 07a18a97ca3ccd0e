using Raindrop.Delivery;
using Raindrop.Interactions;

namespace Raindrop;

/// <summary>
/// The SDK's <see cref="IInteraction"/> (internal: apps hold the interface). An AI interaction built up over time and
/// sent to <c>events/track_partial</c>: updates merge locally
/// (properties last-writer-wins per key, attachments appended in order) and are sent after a quiet period, on
/// <c>FlushAsync</c>, on close, and with <c>is_pending:false</c> on <see cref="FinishAsync"/>. Thread-safe.
/// Disposing an unfinished interaction finishes it with what it has. No call ever waits on the network, and
/// calls after finish are ignored (with a one-time warning), never thrown.
/// </summary>
internal sealed partial class Interaction : IInteraction
{
    private readonly InteractionRegistry _registry;
    private readonly object _gate = new();
    private Dictionary<string, object?>? _properties;
    private List<Attachment>? _attachments;
    private string? _input;
    private string? _output;
    private string? _model;
    private string? _traceId;
    private bool _hasSpans;
    private bool _dirty;
    private bool _finished;
    private long _lastChange;
    private System.Diagnostics.Activity? _rootSpan;
    private bool _rootTaken;

    internal Interaction(InteractionRegistry registry, string eventId, string? userId, string? eventName, string? convoId, DateTimeOffset? timestamp)
    {
        _registry = registry;
        EventId = eventId;
        UserId = userId;
        Event = eventName;
        ConvoId = convoId;
        Timestamp = timestamp;
    }

    /// <summary>The interaction's event id.</summary>
    public string EventId { get; }

    /// <summary>The user, when known (null on a handle resumed by id only).</summary>
    public string? UserId { get; }

    /// <summary>The event name, when known (null on a handle resumed by id only).</summary>
    public string? Event { get; }

    /// <summary>The conversation id, when known.</summary>
    public string? ConvoId { get; }

    /// <summary>True once <see cref="FinishAsync"/> (or dispose) has run.</summary>
    public bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _finished;
            }
        }
    }

    internal DateTimeOffset? Timestamp { get; }

    internal LinkedListNode<Interaction>? Node { get; set; }

    /// <summary>Evicted from the registry's bound: the registry keeps it only while it has changes to send.</summary>
    internal bool Evicted { get; set; }

    /// <summary>Changes not yet sent (read without the lock: a stale answer only keeps it one more sweep).</summary>
    internal bool HasPending => Volatile.Read(ref _dirty) && !Volatile.Read(ref _finished);

    internal long LastChange => Interlocked.Read(ref _lastChange);

    internal InteractionRegistry Registry => _registry;

    /// <summary>Sets one property (last writer wins per key).</summary>
    /// <param name="key">The property name.</param>
    /// <param name="value">A JSON-shaped value; see <see cref="TrackEvent.Properties"/>.</param>
    public void SetProperty(string key, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        value = _registry.Client.Input.Value(value); // snapshot now, on the caller's thread (WIRE.md §2)
        Update(nameof(SetProperty), (key, value), static (self, kv) => (self._properties ??= new(StringComparer.Ordinal))[kv.key] = kv.value);
    }

    /// <summary>Sets several properties (shallow merge, last writer wins per key).</summary>
    /// <param name="properties">The properties to merge.</param>
    public void SetProperties(IReadOnlyDictionary<string, object?> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var copy = _registry.Client.Input.Members(properties);
        if (copy is not null)
        {
            Update(nameof(SetProperties), copy, static (self, props) => self.MergeProperties(props));
        }
    }

    /// <summary>Appends attachments, in order.</summary>
    /// <param name="attachments">The attachments to add.</param>
    public void AddAttachments(params Attachment[] attachments)
    {
        var copy = _registry.Client.Input.Attachments(attachments, nameof(Interaction));
        if (copy is not null)
        {
            Update(nameof(AddAttachments), copy, static (self, atts) => (self._attachments ??= []).AddRange(atts));
        }
    }

    /// <summary>Sets (replaces) the interaction's input.</summary>
    /// <param name="input">What the user sent.</param>
    public void SetInput(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = _registry.Client.Input.Text(input);
        Update(nameof(SetInput), text, static (self, t) => self._input = t);
    }

    /// <summary>
    /// Finishes the interaction: merges the last fields and queues the event with <c>is_pending:false</c>. Returns
    /// once it is queued; delivery happens on the background worker (call <c>FlushAsync</c> on the client to wait
    /// for it). A second call is ignored with a one-time warning.
    /// </summary>
    /// <param name="output">The AI's answer.</param>
    /// <param name="properties">Final properties to merge.</param>
    /// <param name="attachments">Final attachments to append.</param>
    /// <param name="model">The model, if not given at <c>Begin</c> or changed since.</param>
    /// <param name="cancellationToken">Unused beyond convention: finishing never waits on the network.</param>
    /// <returns>A completed task once the final update is queued.</returns>
    public Task FinishAsync(
        string? output = null,
        IReadOnlyDictionary<string, object?>? properties = null,
        IReadOnlyList<Attachment>? attachments = null,
        string? model = null,
        CancellationToken cancellationToken = default)
    {
        var atts = _registry.Client.Input.Attachments(attachments, nameof(Interaction));
        var props = _registry.Client.Input.Members(properties);
        var text = _registry.Client.Input.Text(output);
        EventItem? item;
        lock (_gate)
        {
            if (_finished)
            {
                _registry.WarnAfterFinish(EventId, nameof(FinishAsync));
                return Task.CompletedTask;
            }

            if (props is not null)
            {
                MergeProperties(props);
            }

            if (atts is not null)
            {
                (_attachments ??= []).AddRange(atts);
            }

            _output = text ?? _output;
            _model = InputNormalizer.Optional(model) ?? _model;
            _finished = true;
            item = TakeDelta(isPending: false, force: true);
        }

        Tracing.Tracer.EndRoot(this);
        _registry.Finished(this, item);
        return Task.CompletedTask;
    }

    /// <summary>Finishes the interaction with what it has, if it is not finished yet.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Finishes the interaction with what it has, if it is not finished yet.</summary>
    public void Dispose()
    {
        if (!IsFinished)
        {
            _ = FinishAsync();
        }
    }

    /// <summary>The pending changes as one partial update, or null when there is nothing new to send.</summary>
    internal EventItem? TakePendingDelta()
    {
        lock (_gate)
        {
            return _finished ? null : TakeDelta(isPending: true, force: false);
        }
    }

    /// <summary>Whether a span other than the root joined the interaction (then the root is exported).</summary>
    internal bool HasSpans => Volatile.Read(ref _hasSpans);

    /// <summary>A span joined the interaction: the event gets <c>properties.trace_id</c> (its trace's id), once.</summary>
    internal void NoteSpan(System.Diagnostics.ActivityTraceId traceId)
    {
        if (Volatile.Read(ref _hasSpans))
        {
            return;
        }

        lock (_gate)
        {
            // A span ended at finish (a stream never disposed) still makes the root worth exporting.
            _hasSpans = true;
            if (_traceId is null && !_finished)
            {
                _traceId = traceId.ToHexString();
                (_properties ??= new(StringComparer.Ordinal))["trace_id"] = _traceId;
                _dirty = true;
            }
        }
    }

    /// <summary>The root span grouping this interaction's spans, created on first use or at <c>Begin</c>.</summary>
    internal System.Diagnostics.Activity? GetOrCreateRootSpan(Func<System.Diagnostics.Activity?> create)
    {
        lock (_gate)
        {
            if (_rootSpan is not null || _rootTaken)
            {
                return _rootSpan;
            }

            _rootSpan = create();
            return _rootSpan;
        }
    }

    internal System.Diagnostics.Activity? TakeRootSpan()
    {
        lock (_gate)
        {
            var root = _rootSpan;
            _rootSpan = null;
            _rootTaken = true;
            return root;
        }
    }

    internal void SetBeginState(string? input, string? model, KeyValuePair<string, object?>[]? properties, IReadOnlyList<Attachment>? attachments)
    {
        lock (_gate)
        {
            _input = input;
            _model = model;
            if (properties is not null)
            {
                MergeProperties(properties);
            }

            if (attachments is not null)
            {
                _attachments = [.. attachments];
            }

            // A Begin is sent after its quiet period even with nothing else in it, so the server sees the interaction.
            _dirty = true;
            Interlocked.Exchange(ref _lastChange, _registry.Time.GetTimestamp());
        }
    }

    private void Update<T>(string call, T value, Action<Interaction, T> apply)
    {
        lock (_gate)
        {
            if (_finished)
            {
                _registry.WarnAfterFinish(EventId, call);
                return;
            }

            apply(this, value);
            _dirty = true;
            Interlocked.Exchange(ref _lastChange, _registry.Time.GetTimestamp());
        }

        if (Evicted)
        {
            _registry.ChangedAfterEviction(this);
        }
    }

    private void MergeProperties(KeyValuePair<string, object?>[] properties)
    {
        var target = _properties ??= new(StringComparer.Ordinal);
        foreach (var (key, value) in properties)
        {
            target[key] = value;
        }
    }

    private EventItem? TakeDelta(bool isPending, bool force)
    {
        if (!force && !_dirty)
        {
            return null;
        }

        var item = new EventItem(
            EventId, UserId, Event, Timestamp, Serialization.PropertyBag.From(_properties?.ToArray()), _attachments, _input, _output, _model, ConvoId, isPending);
        NoteSent(); // Interaction.Capture.cs: remembers that an input/model went out, for fill-if-unset
        _properties = null;
        _attachments = null;
        _input = null;
        _output = null;
        _model = null;
        _dirty = false;
        return item;
    }
}
