namespace Raindrop.Testing;

/// <summary>
/// A span recorded by <see cref="InMemoryRaindropClient"/> (from <c>StartSpan</c>, <c>StartLlmSpan</c> or
/// <c>TrackTool</c>, and so from the <c>WithSpan</c>/<c>WithTool</c> helpers over <c>StartSpan</c>). Thread-safe: values may be read while the span is still open.
/// </summary>
public sealed class RecordedSpan : IRaindropSpanRecorder
{
    private readonly object _gate = new();
    private readonly Dictionary<string, object?> _properties = new(StringComparer.Ordinal);
    private object? _input;
    private object? _output;
    private Exception? _error;
    private bool _ended;
    private long? _inputTokens;
    private long? _outputTokens;

    internal RecordedSpan(string name, string kind, string? eventId, SpanOptions? options)
    {
        Name = name;
        Kind = kind;
        EventId = eventId;
        Version = options?.Version;
        _input = options?.Input;
        if (options?.Properties is { } properties)
        {
            SetProperties(properties);
        }
    }

    /// <summary>The name given (the real client exports it as <c>&lt;name&gt;.&lt;kind&gt;</c>).</summary>
    public string Name { get; }

    /// <summary><c>task</c>, <c>tool</c> or <c>llm</c>.</summary>
    public string Kind { get; }

    /// <summary>The event id of the interaction the span belongs to, or null when it ran outside one.</summary>
    public string? EventId { get; }

    /// <summary>The version from <see cref="SpanOptions.Version"/>.</summary>
    public int? Version { get; }

    /// <summary>The input (from <see cref="SpanOptions.Input"/>, <c>RecordInput</c>, the prompt of an LLM span or <c>TrackTool</c>).</summary>
    public object? Input { get { lock (_gate) { return _input; } } }

    /// <summary>The output (the delegate's result, <c>RecordOutput</c> or <c>TrackTool</c>'s output).</summary>
    public object? Output { get { lock (_gate) { return _output; } } }

    /// <summary>The exception the span ended with, or null.</summary>
    public Exception? Error { get { lock (_gate) { return _error; } } }

    /// <summary>True once the span ended (the delegate returned or threw, or the span was ended or disposed).</summary>
    public bool IsEnded { get { lock (_gate) { return _ended; } } }

    /// <summary>The prompt tokens recorded with <c>RecordUsage</c>.</summary>
    public long? InputTokens { get { lock (_gate) { return _inputTokens; } } }

    /// <summary>The completion tokens recorded with <c>RecordUsage</c>.</summary>
    public long? OutputTokens { get { lock (_gate) { return _outputTokens; } } }

    /// <summary>A snapshot of the span's properties.</summary>
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

    /// <inheritdoc />
    public void RecordInput(object? input)
    {
        lock (_gate)
        {
            _input = input;
        }
    }

    /// <inheritdoc />
    public void RecordOutput(object? output)
    {
        lock (_gate)
        {
            _output = output;
        }
    }

    /// <inheritdoc />
    public void SetProperties(IReadOnlyDictionary<string, object?> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        lock (_gate)
        {
            foreach (var (key, value) in properties)
            {
                _properties[key] = value;
            }
        }
    }

    /// <inheritdoc />
    public void RecordUsage(long? inputTokens, long? outputTokens, string? responseModel)
    {
        lock (_gate)
        {
            _inputTokens = inputTokens ?? _inputTokens;
            _outputTokens = outputTokens ?? _outputTokens;
        }
    }

    /// <inheritdoc />
    public void Ended(Exception? exception)
    {
        lock (_gate)
        {
            _ended = true;
            _error = exception ?? _error;
        }
    }

    /// <summary>Describes the span.</summary>
    /// <returns>For example <c>search.tool (ended)</c>.</returns>
    public override string ToString() => $"{Name}.{Kind} ({(IsEnded ? Error is null ? "ended" : "failed" : "open")})";
}
