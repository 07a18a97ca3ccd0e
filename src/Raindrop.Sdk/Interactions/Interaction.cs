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
internal sealed class Interaction : IInteraction
{
    private readonly InteractionRegistry _registry;
    private readonly PendingEvent _pending = new(); // also the lock: one object less per interaction
    private bool _finished;
    private bool _middlewareRecords;
    private long _lastChange;

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
            lock (_pending)
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
    internal bool HasPending => _pending.Dirty && !Volatile.Read(ref _finished);

    internal long LastChange => Interlocked.Read(ref _lastChange);

    internal InteractionRegistry Registry => _registry;

    /// <summary>The interaction's side of its trace: root span, joined spans, spans kept open.</summary>
    internal InteractionSpans Spans { get; } = new();

    /// <summary>Whether the interaction was resumed by id only (its input and model may live elsewhere).</summary>
    internal bool IsIdOnly => UserId is null && Event is null;

    /// <summary>Sets one property (last writer wins per key).</summary>
    /// <param name="key">The property name.</param>
    /// <param name="value">A JSON-shaped value; see <see cref="TrackEvent.Properties"/>.</param>
    public void SetProperty(string key, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        value = _registry.Client.Input.Value(value); // snapshot now, on the caller's thread (WIRE.md §2)
        Update(nameof(SetProperty), (key, value), static (pending, kv) => pending.SetProperty(kv.key, kv.value));
    }

    /// <summary>Sets several properties (shallow merge, last writer wins per key).</summary>
    /// <param name="properties">The properties to merge.</param>
    public void SetProperties(IReadOnlyDictionary<string, object?> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var copy = _registry.Client.Input.Members(properties);
        if (copy is not null)
        {
            Update(nameof(SetProperties), copy, static (pending, props) => pending.Merge(props));
        }
    }

    /// <summary>Appends attachments, in order.</summary>
    /// <param name="attachments">The attachments to add.</param>
    public void AddAttachments(params Attachment[] attachments)
    {
        var copy = _registry.Client.Input.Attachments(attachments, nameof(Interaction));
        if (copy is not null)
        {
            Update(nameof(AddAttachments), copy, static (pending, atts) => pending.Attach(atts));
        }
    }

    /// <summary>Sets (replaces) the interaction's input.</summary>
    /// <param name="input">What the user sent.</param>
    public void SetInput(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var text = _registry.Client.Input.Text(input);
        Update(nameof(SetInput), text, static (pending, t) => pending.SetInput(t));
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
        if (!IsFinished)
        {
            // A stream the app never disposed ends first, so the final update carries its model, tokens and trace_id.
            Spans.EndOpen(_registry.Client.Tracer);
        }

        EventItem? item;
        lock (_pending)
        {
            if (_finished)
            {
                _registry.WarnAfterFinish(EventId, nameof(FinishAsync));
                return Task.CompletedTask;
            }

            _pending.Finish(text, InputNormalizer.Optional(model), props, atts);
            _finished = true;
            item = _pending.Take(this, isPending: false, force: true);
        }

        Tracing.SpanTree.EndRoot(this);
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

    /// <summary>Starts a task or tool span of this interaction that ends when the returned span is ended or disposed.</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _registry.Client.Tracer.StartManual(this, Tracing.Tracer.KindOf(kind), name, options);
    }

    /// <summary>Starts an LLM span of this interaction for a call made through a library that emits no telemetry: model and prompt as <c>gen_ai.*</c>; record the answer with <see cref="RaindropSpan.RecordOutput"/> and tokens with <see cref="RaindropSpan.RecordUsage"/>.</summary>
    /// <param name="model">The requested model; required.</param>
    /// <param name="prompt">The prompt messages.</param>
    /// <param name="name">The span's name (default <c>chat</c>, so the span is <c>chat.llm</c>).</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        return _registry.Client.Tracer.StartLlm(this, model, prompt, name);
    }

    /// <summary>Records a tool call that already happened as a tool span of this interaction, ending now and lasting <paramref name="duration"/>.</summary>
    /// <param name="name">The tool's name; required.</param>
    /// <param name="input">The tool's input.</param>
    /// <param name="output">The tool's output.</param>
    /// <param name="duration">How long the call took.</param>
    /// <param name="error">The error it failed with, if it did.</param>
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _registry.Client.Tracer.TrackTool(this, name, input, output, duration < TimeSpan.Zero ? TimeSpan.Zero : duration, error);
    }

    /// <summary>Registers how to end a span an integration keeps open (a stream the app may never dispose); see <see cref="InteractionSpans.TrackOpen"/>.</summary>
    internal bool TrackOpenSpan(Action end) => Spans.TrackOpen(end);

    /// <summary>Forgets a span registered with <see cref="TrackOpenSpan"/> (it ended on its own).</summary>
    internal void ForgetOpenSpan(Action end) => Spans.ForgetOpen(end);

    /// <summary>The pending changes as one partial update, or null when there is nothing new to send.</summary>
    internal EventItem? TakePendingDelta()
    {
        lock (_pending)
        {
            return _finished ? null : _pending.Take(this, isPending: true, force: false);
        }
    }

    internal void SetBeginState(string? input, string? model, KeyValuePair<string, object?>[]? properties, IReadOnlyList<Attachment>? attachments)
    {
        lock (_pending)
        {
            _pending.Begin(input, model, properties, attachments);
            Interlocked.Exchange(ref _lastChange, _registry.Time.GetTimestamp());
        }
    }

    /// <summary>A span joined the interaction: the event gets <c>properties.trace_id</c> (its trace's id), once.</summary>
    internal void NoteSpan(System.Diagnostics.ActivityTraceId traceId)
    {
        if (Spans.Join())
        {
            if (Spans.Root is { } root)
            {
                Tracing.SpanTree.TagRoot(root, this); // now it will be exported
            }

            // A span ended at finish (a stream never disposed) still makes the root worth exporting, but adds nothing.
            Update(null, traceId, static (pending, id) => pending.NoteTrace(id));
        }
    }

    /// <summary>
    /// Records one LLM call an integration saw (the chat middleware); texts must already be redacted and capped.
    /// See <see cref="PendingEvent.RecordLlmCall"/>. False (quietly) after finish.
    /// </summary>
    internal bool RecordLlmCall(string? input, string? output, string? model, long? inputTokens, long? outputTokens) =>
        Update(null, (input, output, model, inputTokens, outputTokens), static (pending, c) => pending.RecordLlmCall(c.input, c.output, c.model, c.inputTokens, c.outputTokens));

    /// <summary>Notes that the Raindrop chat middleware records this interaction's model calls, so AI-library spans do not count them again.</summary>
    internal void NoteMiddlewareCall() => Volatile.Write(ref _middlewareRecords, true);

    /// <summary>Records a model call seen on an AI library's span: model and tokens only, unless the middleware records them.</summary>
    internal void RecordLibraryLlmCall(string? model, long? inputTokens, long? outputTokens)
    {
        if (!Volatile.Read(ref _middlewareRecords))
        {
            RecordLlmCall(input: null, output: null, model, inputTokens, outputTokens);
        }
    }

    // Applies a change under the lock unless finished (warned once when the app made the call, quiet for integrations).
    private bool Update<T>(string? call, T value, Action<PendingEvent, T> apply)
    {
        lock (_pending)
        {
            if (_finished)
            {
                if (call is not null)
                {
                    _registry.WarnAfterFinish(EventId, call);
                }

                return false;
            }

            apply(_pending, value);
            Interlocked.Exchange(ref _lastChange, _registry.Time.GetTimestamp());
        }

        if (Evicted)
        {
            _registry.ChangedAfterEviction(this);
        }

        return true;
    }
}
