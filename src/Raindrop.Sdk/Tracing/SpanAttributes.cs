namespace Raindrop.Tracing;

/// <summary>Every span attribute name the SDK writes, in one place (Traceloop conventions and <c>gen_ai.*</c>).</summary>
internal static class SpanAttributes
{
    public const string SpanKind = "traceloop.span.kind";
    public const string EntityName = "traceloop.entity.name";
    public const string EntityInput = "traceloop.entity.input";
    public const string EntityOutput = "traceloop.entity.output";
    public const string EntityVersion = "traceloop.entity.version";
    public const string WorkflowName = "traceloop.workflow.name";
    public const string AssociationPrefix = "traceloop.association.properties.";
    public const string EventId = AssociationPrefix + "event_id";
    public const string UserId = AssociationPrefix + "user_id";
    public const string ConvoId = AssociationPrefix + "convo_id";
    public const string EventName = AssociationPrefix + "event_name";

    public const string GenAiOperation = "gen_ai.operation.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string PromptPrefix = "gen_ai.prompt.";
    public const string CompletionPrefix = "gen_ai.completion.";

    // The first prompts' attribute names, made once: every LLM span names them.
    private static readonly string[] PromptKeys = [.. Enumerable.Range(0, 16).SelectMany(i => new[] { PromptPrefix + i + ".role", PromptPrefix + i + ".content" })];

    public const string KindTask = "task";
    public const string KindTool = "tool";
    public const string KindLlm = "llm";
    public const string KindWorkflow = "workflow";

    /// <summary><c>gen_ai.prompt.{i}.role</c> or <c>.content</c>.</summary>
    public static string PromptKey(int i, bool content) =>
        i < PromptKeys.Length / 2 ? PromptKeys[(2 * i) + (content ? 1 : 0)] : PromptPrefix + i + (content ? ".content" : ".role");

    /// <summary>Custom property (never exported) marking which interaction a span belongs to.</summary>
    public const string InteractionProperty = "raindrop.interaction";

    /// <summary>Custom property (never exported) marking which client made a span.</summary>
    public const string ClientProperty = "raindrop.client";
}
