namespace Raindrop.Testing;

// The span helpers of an in-memory interaction: each records a RecordedSpan with this interaction's event id.
public sealed partial class InMemoryInteraction
{
    /// <inheritdoc />
    public Task<T> WithSpanAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null) => SpanHelpers.WithAsync(this, SpanRunner.Task, name, work, options);

    /// <inheritdoc />
    public Task WithSpanAsync(string name, Func<Task> work, SpanOptions? options = null) => SpanHelpers.WithAsync(this, SpanRunner.Task, name, work, options);

    /// <inheritdoc />
    public T WithSpan<T>(string name, Func<T> work, SpanOptions? options = null) => SpanHelpers.With(this, SpanRunner.Task, name, work, options);

    /// <inheritdoc />
    public void WithSpan(string name, Action work, SpanOptions? options = null) => SpanHelpers.With(this, SpanRunner.Task, name, work, options);

    /// <inheritdoc />
    public Task<T> WithToolAsync<T>(string name, Func<Task<T>> work, SpanOptions? options = null) => SpanHelpers.WithAsync(this, SpanRunner.Tool, name, work, options);

    /// <inheritdoc />
    public Task WithToolAsync(string name, Func<Task> work, SpanOptions? options = null) => SpanHelpers.WithAsync(this, SpanRunner.Tool, name, work, options);

    /// <inheritdoc />
    public T WithTool<T>(string name, Func<T> work, SpanOptions? options = null) => SpanHelpers.With(this, SpanRunner.Tool, name, work, options);

    /// <inheritdoc />
    public void WithTool(string name, Action work, SpanOptions? options = null) => SpanHelpers.With(this, SpanRunner.Tool, name, work, options);

    /// <inheritdoc />
    public RaindropSpan StartSpan(string name, SpanOptions? options = null) => SpanHelpers.Start(this, SpanRunner.Task, name, options);

    /// <inheritdoc />
    public RaindropSpan StartToolSpan(string name, SpanOptions? options = null) => SpanHelpers.Start(this, SpanRunner.Tool, name, options);

    /// <inheritdoc />
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null) => SpanHelpers.StartLlm(this, model, prompt, name);

    /// <inheritdoc />
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null) => SpanHelpers.TrackTool(this, name, input, output, error);
}
