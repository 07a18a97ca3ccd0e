namespace Raindrop.Testing;

/// <summary>
/// An interaction recorded by <see cref="InMemoryRaindropClient"/>: its fields, merged properties, attachments,
/// input and output, whether it finished, and its spans. Thread-safe; updates after finish are ignored, as the
/// real interaction ignores them.
/// </summary>
public sealed class InMemoryInteraction : IInteraction
{
    private readonly InMemoryRaindropClient _client;
    private readonly object _gate = new();
    private readonly Dictionary<string, object?> _properties = new(StringComparer.Ordinal);
    private readonly List<Attachment> _attachments = [];
    private string? _input;
    private string? _output;
    private string? _model;
    private bool _finished;

    internal InMemoryInteraction(InMemoryRaindropClient client, string eventId, InteractionOptions? options)
    {
        _client = client;
        EventId = eventId;
        UserId = options?.UserId;
        Event = options?.Event;
        ConvoId = options?.ConvoId;
        _input = options?.Input;
        _model = options?.Model;
        if (options?.Properties is { } properties)
        {
            SetProperties(properties);
        }

        if (options?.Attachments is { } attachments)
        {
            _attachments.AddRange(attachments);
        }
    }

    /// <inheritdoc />
    public string EventId { get; }

    /// <inheritdoc />
    public string? UserId { get; }

    /// <inheritdoc />
    public string? Event { get; }

    /// <inheritdoc />
    public string? ConvoId { get; }

    /// <inheritdoc />
    public bool IsFinished { get { lock (_gate) { return _finished; } } }

    /// <summary>The input (from <c>Begin</c> or <see cref="SetInput"/>).</summary>
    public string? Input { get { lock (_gate) { return _input; } } }

    /// <summary>The output given to <see cref="FinishAsync"/>.</summary>
    public string? Output { get { lock (_gate) { return _output; } } }

    /// <summary>The model (from <c>Begin</c> or <see cref="FinishAsync"/>).</summary>
    public string? Model { get { lock (_gate) { return _model; } } }

    /// <summary>A snapshot of the merged properties (last writer wins per key).</summary>
    public IReadOnlyDictionary<string, object?> Properties
    {
        get
        {
            lock (_gate)
            {
                return new Dictionary<string, object?>(_properties, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>A snapshot of the attachments, in order.</summary>
    public IReadOnlyList<Attachment> Attachments { get { lock (_gate) { return [.. _attachments]; } } }

    /// <summary>The spans recorded inside this interaction, in start order.</summary>
    public IReadOnlyList<RecordedSpan> Spans => _client.Spans.Where(s => s.EventId == EventId).ToList();

    /// <inheritdoc />
    public void SetProperty(string key, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        Update(() => _properties[key] = value);
    }

    /// <inheritdoc />
    public void SetProperties(IReadOnlyDictionary<string, object?> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        Update(() =>
        {
            foreach (var (key, value) in properties)
            {
                _properties[key] = value;
            }
        });
    }

    /// <inheritdoc />
    public void AddAttachments(params Attachment[] attachments)
    {
        ArgumentNullException.ThrowIfNull(attachments);
        foreach (var attachment in attachments)
        {
            ArgumentNullException.ThrowIfNull(attachment);
            ArgumentNullException.ThrowIfNull(attachment.Value, nameof(Attachment.Value));
        }

        Update(() => _attachments.AddRange(attachments));
    }

    /// <inheritdoc />
    public void SetInput(string input)
    {
        ArgumentNullException.ThrowIfNull(input);
        Update(() => _input = input);
    }

    /// <inheritdoc />
    public Task FinishAsync(
        string? output = null,
        IReadOnlyDictionary<string, object?>? properties = null,
        IReadOnlyList<Attachment>? attachments = null,
        string? model = null,
        CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_finished)
            {
                return Task.CompletedTask;
            }

            foreach (var (key, value) in properties ?? new Dictionary<string, object?>())
            {
                _properties[key] = value;
            }

            _attachments.AddRange(attachments ?? []);
            _output = output ?? _output;
            _model = model ?? _model;
            _finished = true;
        }

        return Task.CompletedTask;
    }

    /// <summary>Records a task or tool span of this interaction (in <see cref="Spans"/> and the client's).</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A span that reports what is recorded on it to its <see cref="RecordedSpan"/>.</returns>
    public RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null) => _client.StartSpan(EventId, kind, name, options);

    /// <inheritdoc />
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null) => _client.StartLlmSpan(EventId, model, prompt, name);

    /// <inheritdoc />
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null) => _client.TrackTool(EventId, name, input, output, error);

    /// <summary>Finishes the interaction with what it has, if it is not finished yet.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Finishes the interaction with what it has, if it is not finished yet.</summary>
    public void Dispose() => _ = FinishAsync();

    /// <summary>Describes the interaction.</summary>
    /// <returns>For example <c>chat_message 1f2e... (finished)</c>.</returns>
    public override string ToString() => $"{Event} {EventId} ({(IsFinished ? "finished" : "open")})";

    private void Update(Action apply)
    {
        lock (_gate)
        {
            if (!_finished)
            {
                apply();
            }
        }
    }
}
