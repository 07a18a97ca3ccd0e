namespace Raindrop;

// Span helpers of an interaction: every span carries the interaction's association properties and belongs to its trace.
public sealed partial class Interaction
{
    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this interaction, recording its result as the span's output.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public Task<T> WithSpanAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return Tracing.Tracer.Listening ? _registry.Client.Tracer.RunAsync(this, Tracing.SpanAttributes.KindTask, name, work, options, recordResult: true) : work();
    }

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this interaction.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    public Task WithSpanAsync(string name, Func<Task> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return Tracing.Tracer.Listening
            ? _registry.Client.Tracer.RunAsync(this, Tracing.SpanAttributes.KindTask, name, async () => { await work().ConfigureAwait(false); return (object?)null; }, options, recordResult: false)
            : work();
    }

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this interaction, recording its result as the span's output.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public T WithSpan<T>(string name, Func<T> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return _registry.Client.Tracer.Run(this, Tracing.SpanAttributes.KindTask, name, work, options, recordResult: true);
    }

    /// <summary>Runs <paramref name="work"/> inside a task span (<c>&lt;name&gt;.task</c>) of this interaction.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    public void WithSpan(string name, Action work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        _registry.Client.Tracer.Run(this, Tracing.SpanAttributes.KindTask, name, () => { work(); return true; }, options, recordResult: false);
    }

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this interaction, recording its result as the span's output.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public Task<T> WithToolAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return Tracing.Tracer.Listening ? _registry.Client.Tracer.RunAsync(this, Tracing.SpanAttributes.KindTool, name, work, options, recordResult: true) : work();
    }

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this interaction.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A task that completes when the work does.</returns>
    public Task WithToolAsync(string name, Func<Task> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return Tracing.Tracer.Listening
            ? _registry.Client.Tracer.RunAsync(this, Tracing.SpanAttributes.KindTool, name, async () => { await work().ConfigureAwait(false); return (object?)null; }, options, recordResult: false)
            : work();
    }

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this interaction, recording its result as the span's output.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The delegate's result.</returns>
    public T WithTool<T>(string name, Func<T> work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        return _registry.Client.Tracer.Run(this, Tracing.SpanAttributes.KindTool, name, work, options, recordResult: true);
    }

    /// <summary>Runs <paramref name="work"/> inside a tool span (<c>&lt;name&gt;.tool</c>) of this interaction.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="work">The work; its exceptions pass through unchanged after the span records them.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    public void WithTool(string name, Action work, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(work);
        _registry.Client.Tracer.Run(this, Tracing.SpanAttributes.KindTool, name, () => { work(); return true; }, options, recordResult: false);
    }

    /// <summary>Starts a task span of this interaction that ends when the returned span is ended or disposed.</summary>
    /// <param name="name">The span's name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartSpan(string name, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _registry.Client.Tracer.StartManual(this, Tracing.SpanAttributes.KindTask, name, options);
    }

    /// <summary>Starts a tool span of this interaction that ends when the returned span is ended or disposed.</summary>
    /// <param name="name">The tool's name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>The span (a no-op when not recorded).</returns>
    public RaindropSpan StartToolSpan(string name, SpanOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return _registry.Client.Tracer.StartManual(this, Tracing.SpanAttributes.KindTool, name, options);
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
