namespace Raindrop.Testing;

// The span primitives of an in-memory interaction: each records a RecordedSpan with this interaction's event id. The
// WithSpan/WithTool helpers are the SDK's extension methods over StartSpan, so they record here too.
public sealed partial class InMemoryInteraction
{
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
}
