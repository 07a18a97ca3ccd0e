namespace Raindrop;

/// <summary>Optional details of a span started by <c>WithSpan</c>, <c>WithTool</c> or <c>StartSpan</c>.</summary>
public sealed record SpanOptions
{
    /// <summary>The span's input, recorded as JSON text in <c>traceloop.entity.input</c> (capped like text fields).</summary>
    public object? Input { get; init; }

    /// <summary>A version of the task or tool, recorded as a number in <c>traceloop.entity.version</c> (as the TypeScript SDK's <c>version</c>).</summary>
    public int? Version { get; init; }

    /// <summary>
    /// Extra properties (<c>Properties = new() { ["stage"] = "rag" }</c>; a dictionary for that short form, see
    /// <see cref="TrackEvent.Properties"/>), recorded when the span starts as
    /// <c>traceloop.association.properties.&lt;key&gt;</c> attributes (strings, numbers and booleans as they are;
    /// anything else as JSON text).
    /// </summary>
    public Dictionary<string, object?>? Properties { get; init; }
}
