namespace Raindrop.Testing;

/// <summary>The span helper surface shared by <see cref="InMemoryRaindropClient"/> and <see cref="InMemoryInteraction"/>.</summary>
internal static class SpanHelpers
{
    public static Task<T> WithAsync<T>(ISpanTarget target, string kind, string name, Func<Task<T>> work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(work);
        return SpanRunner.RunAsync(target.OpenSpan(name, kind, options), work, recordResult: true);
    }

    public static Task WithAsync(ISpanTarget target, string kind, string name, Func<Task> work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(work);
        return SpanRunner.RunAsync(target.OpenSpan(name, kind, options), work);
    }

    public static T With<T>(ISpanTarget target, string kind, string name, Func<T> work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(work);
        return SpanRunner.Run(target.OpenSpan(name, kind, options), work, recordResult: true);
    }

    public static void With(ISpanTarget target, string kind, string name, Action work, SpanOptions? options)
    {
        ArgumentNullException.ThrowIfNull(work);
        SpanRunner.Run(target.OpenSpan(name, kind, options), work);
    }

    public static RaindropSpan Start(ISpanTarget target, string kind, string name, SpanOptions? options) =>
        new(target.OpenSpan(name, kind, options));

    public static RaindropSpan StartLlm(ISpanTarget target, string model, IReadOnlyList<LlmMessage>? prompt, string? name)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var span = target.OpenSpan(string.IsNullOrEmpty(name) ? "chat" : name, SpanRunner.Llm, new SpanOptions { Input = prompt });
        span.SetProperties(new Dictionary<string, object?> { ["gen_ai.request.model"] = model });
        return new RaindropSpan(span);
    }

    public static void TrackTool(ISpanTarget target, string name, object? input, object? output, Exception? error)
    {
        var span = target.OpenSpan(name, SpanRunner.Tool, new SpanOptions { Input = input });
        span.RecordOutput(output);
        span.Ended(error);
    }
}
