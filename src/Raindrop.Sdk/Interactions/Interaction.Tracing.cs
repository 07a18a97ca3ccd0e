namespace Raindrop;

// The span primitives of an interaction: every span carries the interaction's association properties and belongs to
// its trace. The WithSpan/WithTool helpers are extension methods over StartSpan (RaindropSpans).
internal sealed partial class Interaction
{
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
}
