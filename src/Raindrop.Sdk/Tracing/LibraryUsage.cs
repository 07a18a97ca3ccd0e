using System.Diagnostics;
using System.Globalization;

namespace Raindrop.Tracing;

/// <summary>
/// Gives an interaction the model and token counts of the model calls an AI library made inside it (Semantic Kernel,
/// the Agent Framework, M.E.AI's own OpenTelemetry client), read from their <c>gen_ai.*</c> span attributes (WIRE.md §7
/// "The event knows its model and tokens"). Each model call counts once: an agent's <c>invoke_agent</c> span, which
/// repeats the usage of its model calls, is not a model call, and a model-call span inside another one (a connector
/// over an instrumented chat client) is left to the outer one. An interaction whose calls go through the Raindrop
/// chat middleware is filled by the middleware instead.
/// </summary>
internal static class LibraryUsage
{
    public static void Record(Activity span)
    {
        if (!IsModelCall(span) || span.GetCustomProperty(SpanAttributes.InteractionProperty) is not Interaction interaction)
        {
            return;
        }

        for (var parent = span.Parent; parent is not null; parent = parent.Parent)
        {
            if (IsModelCall(parent))
            {
                return;
            }
        }

        var model = span.GetTagItem(SpanAttributes.ResponseModel) as string ?? span.GetTagItem(SpanAttributes.RequestModel) as string;
        interaction.RecordLibraryLlmCall(
            model,
            Count(span, SpanAttributes.InputTokens, "gen_ai.usage.prompt_tokens"),
            Count(span, SpanAttributes.OutputTokens, "gen_ai.usage.completion_tokens"));
    }

    // The operation names the gen_ai conventions (and Semantic Kernel's older ones) give a call to a model.
    private static bool IsModelCall(Activity span) =>
        span.Source.Name != RaindropActivitySource.Name
        && span.GetTagItem(SpanAttributes.GenAiOperation) is "chat" or "chat.completions" or "text_completion" or "text.completions" or "generate_content";

    private static long? Count(Activity span, string key, string legacyKey) =>
        ToLong(span.GetTagItem(key)) ?? ToLong(span.GetTagItem(legacyKey));

    private static long? ToLong(object? value) => value switch
    {
        int i => i,
        long l => l,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) => n,
        _ => null,
    };
}
