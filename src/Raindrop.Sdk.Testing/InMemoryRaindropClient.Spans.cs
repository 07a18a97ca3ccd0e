using System.Diagnostics;
using OpenTelemetry;

namespace Raindrop.Testing;

// The span primitives at client level: spans join the ambient interaction (the last one begun in this async flow), if
// any. The WithSpan/WithTool helpers are the SDK's extension methods over StartSpan, so they record here too.
public sealed partial class InMemoryRaindropClient
{
    /// <summary>Records a task or tool span of the ambient interaction (or unassociated) in <see cref="Spans"/>.</summary>
    /// <param name="kind">Task or tool.</param>
    /// <param name="name">The span's (or tool's) name; required.</param>
    /// <param name="options">Input, version and properties of the span.</param>
    /// <returns>A span that reports what is recorded on it to its <see cref="RecordedSpan"/>.</returns>
    public RaindropSpan StartSpan(RaindropSpanKind kind, string name, SpanOptions? options = null) => StartSpan(_current.Value?.EventId, kind, name, options);

    /// <inheritdoc />
    public RaindropSpan StartLlmSpan(string model, IReadOnlyList<LlmMessage>? prompt = null, string? name = null) => StartLlmSpan(_current.Value?.EventId, model, prompt, name);

    /// <inheritdoc />
    public void TrackTool(string name, object? input, object? output, TimeSpan duration, Exception? error = null) => TrackTool(_current.Value?.EventId, name, input, output, error);

    /// <summary>A processor that exports nothing: this client sends nothing.</summary>
    /// <returns>A no-op processor.</returns>
    public BaseProcessor<Activity> CreateSpanProcessor() => new NoopProcessor();

    internal RaindropSpan StartSpan(string? eventId, RaindropSpanKind kind, string name, SpanOptions? options)
    {
        var kindName = kind switch
        {
            RaindropSpanKind.Task => "task",
            RaindropSpanKind.Tool => "tool",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a span kind."),
        };
        return new RaindropSpan(OpenSpan(name, kindName, eventId, options));
    }

    internal RaindropSpan StartLlmSpan(string? eventId, string model, IReadOnlyList<LlmMessage>? prompt, string? name)
    {
        ArgumentException.ThrowIfNullOrEmpty(model);
        var span = OpenSpan(string.IsNullOrEmpty(name) ? "chat" : name, "llm", eventId, new SpanOptions { Input = prompt });
        span.SetProperties(new Dictionary<string, object?> { ["gen_ai.request.model"] = model });
        return new RaindropSpan(span);
    }

    internal void TrackTool(string? eventId, string name, object? input, object? output, Exception? error)
    {
        var span = OpenSpan(name, "tool", eventId, new SpanOptions { Input = input });
        span.RecordOutput(output);
        span.Ended(error);
    }

    private sealed class NoopProcessor : BaseProcessor<Activity>;
}
