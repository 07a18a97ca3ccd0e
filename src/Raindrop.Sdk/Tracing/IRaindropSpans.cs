namespace Raindrop;

/// <summary>
/// The span helpers (WIRE.md §7), shared by the client (<see cref="IRaindropClient"/>: spans of the ambient
/// interaction) and an interaction (<see cref="IInteraction"/>: spans of that interaction). A delegate's result or
/// exception always reaches the caller unchanged; recording never throws into it.
/// </summary>
public interface IRaindropSpans
{
    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none), recording its result as the span's output (WIRE.md §7).</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    Task<T> WithSpanAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none) (WIRE.md §7).</summary>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    Task WithSpanAsync(string name, Func<Task> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none), recording its result as the span's output (WIRE.md §7).</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    T WithSpan<T>(string name, Func<T> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none) (WIRE.md §7).</summary>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    void WithSpan(string name, Action work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none), recording its result as the span's output (WIRE.md §7).</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    Task<T> WithToolAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none) (WIRE.md §7).</summary>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    Task WithToolAsync(string name, Func<Task> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none), recording its result as the span's output (WIRE.md §7).</summary>
    /// <typeparam name="T">The delegate's result type.</typeparam>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    T WithTool<T>(string name, Func<T> work, SpanOptions? options = null);

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this scope (an interaction, or the client's ambient interaction, unassociated when there is none) (WIRE.md §7).</summary>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    void WithTool(string name, Action work, SpanOptions? options = null);

    /// <summary>Starts a task span of the ambient interaction (or unassociated) that ends when the returned span is ended or disposed.</summary>
    /// <param name="name">The span's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    RaindropSpan StartSpan(string name, SpanOptions? options = null);

    /// <summary>Starts a tool span of the ambient interaction (or unassociated) that ends when the returned span is ended or disposed.</summary>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    RaindropSpan StartToolSpan(string name, SpanOptions? options = null);

    /// <summary>Starts an LLM span (<c>&lt;name&gt;.llm</c>, <c>gen_ai.*</c> attributes) of the ambient interaction (or unassociated), for a call made through a library that emits no telemetry.</summary>
    /// <param name="model">The requested model; required (<see cref="ArgumentException"/>).</param>
    /// <param name="prompt">The prompt messages.</param>
    /// <param name="name">The span's name (default <c>chat</c>, so the span is <c>chat.llm</c>).</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null);

    /// <summary>Records a tool call that already happened as a tool span of the ambient interaction (or unassociated), ending now and lasting <paramref name="duration"/> (negative counts as zero).</summary>
    /// <param name="name">The tool's name; required (<see cref="ArgumentException"/>).</param>
    /// <param name="input">The tool's input.</param>
    /// <param name="output">The tool's output.</param>
    /// <param name="duration">How long the call took.</param>
    /// <param name="error">The error it failed with, if it did.</param>
    void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null);
}
