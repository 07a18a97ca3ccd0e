using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// What the middleware records about one chat call: its LLM span (<c>chat.llm</c>), and at the end either the
/// interaction's input/output/model/tokens or, outside an interaction with a known user, one AI event. Every
/// method contains its own failures (logged by the owner): recording never changes or breaks the call.
/// </summary>
internal sealed partial class ChatCall
{
    private const string FinishReason = "gen_ai.completion.0.finish_reason";
    private const string FinishReasons = "gen_ai.response.finish_reasons";
    private const string ToolCallPrefix = "gen_ai.completion.0.tool_calls.";
    private const string Abandoned = "raindrop.stream.abandoned";

    private readonly RaindropChatClient _owner;
    private readonly RaindropClient? _core;
    private readonly Interaction? _interaction;
    private readonly string? _userId;
    private readonly string? _eventId;
    private readonly string? _eventName;
    private readonly string? _convoId;
    private readonly string? _requestModel;
    private readonly string? _input;
    private readonly bool _recordTools;
    private RaindropSpan? _span;
    private List<ChatResponseUpdate>? _updates;
    private int _finished;

    private ChatCall(RaindropChatClient owner, RaindropClient? core, Interaction? interaction, string? userId, ChatOptions? options, IEnumerable<ChatMessage> messages, bool recordTools)
    {
        _owner = owner;
        _core = core;
        _interaction = interaction;
        _recordTools = recordTools;
        _requestModel = options?.ModelId ?? owner.DefaultModelId;
        _input = CaptureContent ? Prepare(ChatContent.LastUserText(messages)) : null;
        if (interaction is null && userId is not null)
        {
            _userId = userId;
            _eventId = Guid.NewGuid().ToString();
            _eventName = Property(options, RaindropChatClientOptions.EventKey) ?? owner.Settings.EventName;
            _convoId = options?.ConversationId;
        }
    }

    /// <summary>The LLM span's activity, when one is recorded (the parent of what the inner pipeline does).</summary>
    public Activity? Activity => _span?.Activity;

    private bool CaptureContent => _owner.Settings.CaptureContent;

    /// <summary>Starts recording a call; null when there is nothing to record or recording failed (logged).</summary>
    public static ChatCall? Start(RaindropChatClient owner, IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        try
        {
            var core = RaindropInterop.Core(owner.Raindrop);
            var interaction = RaindropInterop.ResolveInteraction(owner.Raindrop, options);
            var userId = interaction is null ? UserIdOf(owner, options) : null;
            if (interaction is null && userId is null)
            {
                owner.WarnNoUser();
                if (core is null)
                {
                    return null;
                }
            }

            interaction?.NoteMiddlewareCall();
            var (llmElsewhere, toolsElsewhere) = owner.Telemetry.RecordedElsewhere(core);
            var call = new ChatCall(owner, core, interaction, userId, options, messages, recordTools: core is not null && !toolsElsewhere);
            call.RecordAnsweredTools(messages);
            if (core is not null && !llmElsewhere)
            {
                call.StartSpan(messages, options);
            }

            return call;
        }
        catch (Exception ex)
        {
            owner.ReportFailure("start", ex);
            return null;
        }
    }

    /// <summary>Collects a streamed update (no work beyond a list append, so no latency per chunk).</summary>
    public void Add(ChatResponseUpdate update) => (_updates ??= []).Add(update);

    /// <summary>Ends the call with its response (or, for a stream, what arrived), an error, or as abandoned by the caller.</summary>
    public void Finish(ChatResponse? response, Exception? error, bool abandoned = false)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        try
        {
            response ??= _updates?.ToChatResponse();
            var output = CaptureContent && response is not null ? Prepare(NullIfEmpty(response.Text)) : null;
            var usage = response?.Usage;
            var model = response?.ModelId ?? _requestModel;
            EndSpan(response, output, error, abandoned);
            if (_recordTools && response is not null)
            {
                _owner.Pending.Register(response.Messages);
            }

            Deliver(output, usage, model, error);
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("finish", ex);
        }
    }

    private static string? UserIdOf(RaindropChatClient owner, ChatOptions? options)
    {
        var userId = Property(options, RaindropChatClientOptions.UserIdKey);
        if (userId is null && owner.Settings.UserIdResolver is { } resolve)
        {
            try
            {
                userId = NullIfEmpty(resolve(options));
            }
            catch (Exception ex)
            {
                owner.ReportFailure("UserIdResolver", ex);
            }
        }

        return userId;
    }

    private static string? Property(ChatOptions? options, string key) =>
        options?.AdditionalProperties is { } props && props.TryGetValue(key, out var value) && value is string { Length: > 0 } s ? s : null;

    private static string? NullIfEmpty(string? text) => string.IsNullOrEmpty(text) ? null : text;

    private string? Prepare(string? text) => _core is null ? text : _core.PrepareText(text);

    private void StartSpan(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        List<LlmMessage>? prompt = null;
        if (CaptureContent)
        {
            prompt = [];
            if (!string.IsNullOrEmpty(options?.Instructions))
            {
                prompt.Add(new LlmMessage("system", Prepare(options.Instructions) ?? string.Empty));
            }

            foreach (var message in messages)
            {
                prompt.Add(new LlmMessage(message.Role.Value, Prepare(ChatContent.Text(message)) ?? string.Empty));
            }
        }

        // StartLlmSpan needs a model; when none is known the placeholder is removed again rather than exported.
        var model = _requestModel ?? "unknown";
        _span = _interaction is not null ? _interaction.StartLlmSpan(model, prompt) : _core!.StartLlmSpan(model, prompt);
        if (_requestModel is null)
        {
            _span.Activity?.SetTag("gen_ai.request.model", null);
        }

        if (_userId is not null)
        {
            _span.SetProperties(Association());
        }
    }

    private void EndSpan(ChatResponse? response, string? output, Exception? error, bool abandoned)
    {
        if (_span is null)
        {
            return;
        }

        if (_span.Activity is { IsAllDataRequested: true } activity)
        {
            if (output is not null)
            {
                _span.RecordOutput(output);
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

            if (CaptureContent && response is not null)
            {
                TagToolCalls(activity, response);
            }

            _span.RecordUsage(response?.Usage?.InputTokenCount, response?.Usage?.OutputTokenCount, response?.ModelId);
        }

        _span.End(error);
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
                    activity.SetTag(ToolCallPrefix + i + ".arguments", Prepare(ChatContent.Json(call.Arguments)));
                    i++;
                }
            }
        }
    }

    private void Deliver(string? output, UsageDetails? usage, string? model, Exception? error)
    {
        if (_interaction is not null)
        {
            // A handle resumed by id may have its input and model set elsewhere: leave those alone.
            var partial = _interaction.IsIdOnly;
            _interaction.RecordLlmCall(partial ? null : _input, output, partial ? null : model, usage?.InputTokenCount, usage?.OutputTokenCount);
            return;
        }

        if (_userId is null)
        {
            return;
        }

        var properties = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (usage?.InputTokenCount is { } inputTokens)
        {
            properties["input_tokens"] = inputTokens;
        }

        if (usage?.OutputTokenCount is { } outputTokens)
        {
            properties["output_tokens"] = outputTokens;
        }

        if (error is not null)
        {
            properties["error"] = error.GetType().Name + (CaptureContent ? ": " + Prepare(error.Message) : string.Empty);
        }

        _owner.Raindrop.TrackAi(new AiEvent
        {
            EventId = _eventId,
            UserId = _userId,
            Event = _eventName!,
            Model = model,
            Input = _input,
            Output = output ?? (_input is null ? string.Empty : null), // an AI event needs one of them
            ConvoId = _convoId,
            Properties = properties.Count > 0 ? properties : null,
        });
    }

    private Dictionary<string, object?> Association()
    {
        var association = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["event_id"] = _eventId,
            ["user_id"] = _userId,
            ["event_name"] = _eventName,
        };
        if (_convoId is not null)
        {
            association["convo_id"] = _convoId;
        }

        return association;
    }
}
