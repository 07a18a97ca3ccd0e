using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Writes the middleware's LLM spans (<c>chat.llm</c>) for one chat client: the prompt when a model call starts; its
/// completion, finish reason, tool calls, usage and answering model when it ends.
/// </summary>
internal sealed class LlmSpans
{
    private const string FinishReason = "gen_ai.completion.0.finish_reason";
    private const string FinishReasons = "gen_ai.response.finish_reasons";
    private const string ToolCallPrefix = "gen_ai.completion.0.tool_calls.";
    private const string Abandoned = "raindrop.stream.abandoned";

    private readonly RaindropChatClient _owner;

    public LlmSpans(RaindropChatClient owner) => _owner = owner;

    /// <summary>Starts the LLM span of one model call of <paramref name="call"/> (current from now on), with its prompt.</summary>
    public RaindropSpan Start(ChatCall call, IEnumerable<ChatMessage> messages, string? instructions, DateTimeOffset startTime)
    {
        // StartLlm needs a model; when none is known the placeholder is removed again rather than exported.
        var model = call.RequestModel;
        var span = _owner.Core!.Tracer.StartLlm(call.Interaction, model ?? "unknown", Prompt(messages, instructions), null, startTime);
        if (model is null)
        {
            span.Activity?.SetTag("gen_ai.request.model", null);
        }

        if (call.Event is { } chatEvent)
        {
            span.SetProperties(chatEvent.Association());
        }

        return span;
    }

    /// <summary>Ends an LLM span with what the model call returned (<paramref name="output"/> already prepared), at <paramref name="endTime"/> when given.</summary>
    public void End(RaindropSpan span, ChatResponse? response, string? output, Exception? error, bool abandoned, DateTimeOffset? endTime = null)
    {
        Describe(span, response, output, abandoned);
        if (endTime is { } end)
        {
            span.Activity?.SetEndTime(end.UtcDateTime);
        }

        span.End(error);
    }

    private void Describe(RaindropSpan span, ChatResponse? response, string? output, bool abandoned)
    {
        if (span.Activity is not { IsAllDataRequested: true } activity)
        {
            return;
        }

        if (output is not null)
        {
            span.RecordOutput(output);
        }

        if (response?.FinishReason is { } reason)
        {
            activity.SetTag(FinishReason, reason.Value);
            activity.SetTag(FinishReasons, new[] { reason.Value });
        }

        if (abandoned)
        {
            activity.SetTag(Abandoned, true);
        }

        if (_owner.CaptureContent && response is not null)
        {
            TagToolCalls(activity, response);
        }

        span.RecordUsage(response?.Usage?.InputTokenCount, response?.Usage?.OutputTokenCount, response?.ModelId);
    }

    private void TagToolCalls(Activity activity, ChatResponse response)
    {
        var i = 0;
        foreach (var message in response.Messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is FunctionCallContent call)
                {
                    activity.SetTag(ToolCallPrefix + i + ".name", call.Name);
                    activity.SetTag(ToolCallPrefix + i + ".arguments", _owner.Prepare(ChatContent.Json(call.Arguments)));
                    i++;
                }
            }
        }
    }

    private List<LlmMessage>? Prompt(IEnumerable<ChatMessage> messages, string? instructions)
    {
        if (!_owner.CaptureContent)
        {
            return null;
        }

        List<LlmMessage> prompt = [];
        if (!string.IsNullOrEmpty(instructions))
        {
            prompt.Add(new LlmMessage("system", _owner.Prepare(instructions) ?? string.Empty));
        }

        foreach (var message in messages)
        {
            prompt.Add(new LlmMessage(message.Role.Value, _owner.Prepare(ChatContent.Text(message)) ?? string.Empty));
        }

        return prompt;
    }
}
