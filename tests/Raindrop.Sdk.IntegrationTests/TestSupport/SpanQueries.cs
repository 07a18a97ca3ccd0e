using Raindrop.Sdk.Tests.Tracing;
using System.Text.Json.Nodes;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>An interaction's trace as Raindrop received it: its <c>&lt;event&gt;.workflow</c> root and every span of that trace.</summary>
public sealed record InteractionTrace(OtlpSpan Workflow, IReadOnlyList<OtlpSpan> Spans)
{
    public IReadOnlyList<OtlpSpan> Llm => Spans.Where(SpanQueries.IsLlm).ToList();

    public IReadOnlyList<OtlpSpan> Tools => Spans.Where(SpanQueries.IsTool).ToList();

    /// <summary>Fails unless every span of the trace carries the interaction's <c>traceloop.association.properties.event_id</c>.</summary>
    public void AssertAllCarry(string eventId)
    {
        var without = Spans.Where(s => s.EventId != eventId).ToList();
        Assert.True(without.Count == 0, "spans without the interaction's event_id association property; " + SpanQueries.Describe(without));
    }

    /// <summary>Fails unless every span of the trace reaches the workflow span through parents inside the trace.</summary>
    public void AssertRootedAtWorkflow()
    {
        var byId = Spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        foreach (var span in Spans)
        {
            var current = span;
            var hops = 0;
            while (current.SpanId != Workflow.SpanId)
            {
                Assert.True(byId.TryGetValue(current.ParentSpanId, out var parent) && hops++ < 64,
                    $"{span} does not hang under {Workflow.Name} (its chain stops at {current})");
                current = parent!;
            }
        }
    }
}

public static class SpanQueries
{
    private static readonly HashSet<string> LlmOperations = new(StringComparer.Ordinal) { "chat", "chat.completions", "text_completion", "generate_content" };

    /// <summary>
    /// An LLM span as the Raindrop backend reads it: <c>traceloop.span.kind = llm</c>, or, on a span with no Traceloop
    /// kind (an AI library's own), a model-call <c>gen_ai.operation.name</c>. An explicit kind wins, so a span the SDK
    /// re-labels (say M.E.AI's outer <c>chat</c> span around a function-invocation loop, made a <c>task</c>) is not one.
    /// </summary>
    public static bool IsLlm(OtlpSpan span) => span.Attr("traceloop.span.kind") is { } kind
        ? kind == "llm"
        : span.Attr("gen_ai.operation.name") is { } op && LlmOperations.Contains(op);

    /// <summary>A tool span: <c>traceloop.span.kind = tool</c>, or, with no Traceloop kind, an AI library's <c>execute_tool</c>.</summary>
    public static bool IsTool(OtlpSpan span) => span.Attr("traceloop.span.kind") is { } kind
        ? kind == "tool"
        : span.Attr("gen_ai.operation.name") == "execute_tool";

    public static (long? Input, long? Output) Usage(OtlpSpan span) =>
        (span.Number("gen_ai.usage.input_tokens"), span.Number("gen_ai.usage.output_tokens"));

    public static string Describe(IEnumerable<OtlpSpan> spans) => string.Join("\n  ", spans.Select(s => s.ToString()).Prepend("spans:"));

    /// <summary>The interaction's trace: the workflow span named <c>&lt;eventName&gt;.workflow</c> for this event id, and its trace.</summary>
    public static InteractionTrace TraceOf(IReadOnlyList<OtlpSpan> spans, string eventId, string eventName = "chat_message")
    {
        var workflows = spans.Where(s => s.Name == eventName + ".workflow" && s.EventId == eventId).ToList();
        Assert.True(workflows.Count == 1, $"expected one {eventName}.workflow span for {eventId}, got {workflows.Count}; {Describe(spans)}");
        var workflow = workflows[0];
        return new InteractionTrace(workflow, spans.Where(s => s.TraceId == workflow.TraceId).ToList());
    }

    /// <summary>The event's <c>properties.trace_id</c>, or null.</summary>
    public static string? TraceId(JsonObject? interaction) => (string?)interaction?["properties"]?["trace_id"];
}
