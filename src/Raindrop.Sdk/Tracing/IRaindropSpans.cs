namespace Raindrop;

/// <summary>
/// The span primitives (WIRE.md §7), shared by the client (<see cref="IRaindropClient"/>: spans of the ambient
/// interaction, unassociated when there is none) and an interaction (<see cref="IInteraction"/>: spans of that
/// interaction). The delegate helpers (<c>WithSpan</c>, <c>WithSpanAsync</c>, <c>WithTool</c>,
/// <c>WithToolAsync</c>) are extension methods over <see cref="StartSpan"/>, in <see cref="RaindropSpans"/>.
/// Recording never throws into the app.
/// </summary>
public interface IRaindropSpans
{
    /// <summary>Starts a span of <paramref name="kind"/> (<c>&lt;name&gt;.task</c> or <c>&lt;name&gt;.tool</c>) of this scope that ends when the returned span is ended or disposed.</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null);

    /// <summary>Starts an LLM span (<c>&lt;name&gt;.llm</c>, <c>gen_ai.*</c> attributes) of this scope, for a call made through a library that emits no telemetry.</summary>
    /// <param name="model">The requested model; required (<see cref="ArgumentException"/>).</param>
    /// <param name="prompt">The prompt messages.</param>
    /// <param name="name">The span's name (default <c>chat</c>, so the span is <c>chat.llm</c>).</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null);

    /// <summary>Records a tool call that already happened as a tool span of this scope, ending now and lasting <paramref name="duration"/> (negative counts as zero).</summary>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="input">The tool's input.</param>
    /// <param name="output">The tool's output.</param>
    /// <param name="duration">How long the call took.</param>
    /// <param name="error">The error it failed with, if it did.</param>
    void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null);
}
