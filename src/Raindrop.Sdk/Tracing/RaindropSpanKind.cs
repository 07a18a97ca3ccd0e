namespace Raindrop;

/// <summary>
/// The kind of a span started with <see cref="IRaindropSpans.StartSpan"/>: it names the span <c>&lt;name&gt;.task</c> or
/// <c>&lt;name&gt;.tool</c>. (Not <c>SpanKind</c>, so it does not clash with <c>OpenTelemetry.Trace.SpanKind</c> in a file
/// that also calls <c>AddRaindrop</c>.)
/// </summary>
public enum RaindropSpanKind
{
    /// <summary>A step of the app's work (<c>&lt;name&gt;.task</c>, <c>traceloop.span.kind</c> <c>task</c>).</summary>
    Task,

    /// <summary>A tool call (<c>&lt;name&gt;.tool</c>, <c>traceloop.span.kind</c> <c>tool</c>).</summary>
    Tool,
}
