using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Divides what a tool loop below the middleware returned into its model round trips, at each tool-result message
/// (streamed: at each tool-result update, so each round trip keeps its own usage, model and finish reason).
/// </summary>
internal static class RoundSplitter
{
    public static List<RoundTrip> FromUpdates(List<ChatResponseUpdate> updates)
    {
        List<RoundTrip> rounds = [];
        List<ChatResponseUpdate> model = [];
        List<ChatResponseUpdate> tools = [];
        foreach (var update in updates)
        {
            if (IsToolResult(update.Role, update.Contents))
            {
                tools.Add(update);
                continue;
            }

            if (tools.Count > 0)
            {
                rounds.Add(new RoundTrip(model.ToChatResponse(), tools.ToChatResponse().Messages));
                model = [];
                tools = [];
            }

            model.Add(update);
        }

        if (model.Count > 0 || tools.Count > 0)
        {
            rounds.Add(new RoundTrip(model.ToChatResponse(), tools.Count > 0 ? tools.ToChatResponse().Messages : []));
        }

        return rounds;
    }

    // A non-streamed loop returns only its summed usage: it goes on a round trip only when there was one.
    public static List<RoundTrip> FromResponse(ChatResponse response)
    {
        List<(List<ChatMessage> Model, List<ChatMessage> Tools)> parts = [];
        List<ChatMessage> model = [];
        List<ChatMessage> tools = [];
        foreach (var message in response.Messages)
        {
            if (IsToolResult(message.Role, message.Contents))
            {
                tools.Add(message);
                continue;
            }

            if (tools.Count > 0)
            {
                parts.Add((model, tools));
                model = [];
                tools = [];
            }

            model.Add(message);
        }

        if (model.Count > 0 || tools.Count > 0)
        {
            parts.Add((model, tools));
        }

        List<RoundTrip> rounds = [];
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            var hasCalls = parts[i].Model.Any(m => m.Contents.Any(c => c is FunctionCallContent));
            rounds.Add(new RoundTrip(
                new ChatResponse(parts[i].Model)
                {
                    ModelId = last ? response.ModelId : null,
                    FinishReason = last ? response.FinishReason : hasCalls ? ChatFinishReason.ToolCalls : null,
                    Usage = parts.Count == 1 ? response.Usage : null,
                },
                parts[i].Tools));
        }

        return rounds;
    }

    private static bool IsToolResult(ChatRole? role, IList<AIContent> contents) =>
        role == ChatRole.Tool || (contents.Count > 0 && contents.All(c => c is FunctionResultContent));
}
