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

    // Made once, not per span: the tool-call attribute names of the first calls, and the usual finish reasons as the
    // one-element arrays gen_ai.response.finish_reasons takes (read-only once set, like every attribute value).
    private static readonly string[] ToolCallNames = [.. Enumerable.Range(0, 16).Select(i => ToolCallPrefix + i + ".name")];
    private static readonly string[] ToolCallArguments = [.. Enumerable.Range(0, 16).Select(i => ToolCallPrefix + i + ".arguments")];
    private static readonly string[] Stop = ["stop"];
    private static readonly string[] ToolCalls = ["tool_calls"];
    private static readonly string[] Length = ["length"];
    private static readonly string[] ContentFilter = ["content_filter"];

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

        call.Event?.Associate(span.Activity);

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
            activity.SetTag(FinishReasons, ReasonsOf(reason));
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
        var n = 0;
        var messages = response.Messages;
        for (var m = 0; m < messages.Count; m++)
        {
            var contents = messages[m].Contents;
            for (var c = 0; c < contents.Count; c++)
            {
                if (contents[c] is FunctionCallContent call)
                {
                    activity.SetTag(n < ToolCallNames.Length ? ToolCallNames[n] : ToolCallPrefix + n + ".name", call.Name);
                    activity.SetTag(n < ToolCallArguments.Length ? ToolCallArguments[n] : ToolCallPrefix + n + ".arguments", _owner.Prepare(ChatContent.Json(call.Arguments)));
                    n++;
                }
            }
        }
    }

    // Ordinal, not ChatFinishReason's own (case-insensitive) equality: the exported value is the provider's text.
    private static string[] ReasonsOf(ChatFinishReason reason) => reason.Value switch
    {
        "stop" => Stop,
        "tool_calls" => ToolCalls,
        "length" => Length,
        "content_filter" => ContentFilter,
        var other => [other],
    };

    private LlmMessage Message(ChatMessage message) => new(message.Role.Value, _owner.Prepare(ChatContent.Text(message)) ?? string.Empty);

    private IReadOnlyList<LlmMessage>? Prompt(IEnumerable<ChatMessage> messages, string? instructions)
    {
        if (!_owner.CaptureContent)
        {
            return null;
        }

        var system = string.IsNullOrEmpty(instructions) ? null : new LlmMessage("system", _owner.Prepare(instructions) ?? string.Empty);
        if (messages is IList<ChatMessage> list)
        {
            // The usual case, a list: one array of the right size.
            var offset = system is null ? 0 : 1;
            var prompt = new LlmMessage[list.Count + offset];
            if (system is not null)
            {
                prompt[0] = system;
            }

            for (var i = 0; i < list.Count; i++)
            {
                prompt[i + offset] = Message(list[i]);
            }

            return prompt;
        }

        List<LlmMessage> grown = system is null ? [] : [system];
        foreach (var message in messages)
        {
            grown.Add(Message(message));
        }

        return grown;
    }
}
