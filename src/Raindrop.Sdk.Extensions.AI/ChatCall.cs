using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// What the middleware records about one chat call: its LLM span (<c>chat.llm</c>), and at the end either the
/// interaction's input/output/model/tokens or, outside an interaction with a known user, one AI event. Every
/// method contains its own failures (logged by the owner): recording never changes or breaks the call.
/// </summary>
/// <remarks>
/// <para>
/// One LLM span per model call. When the middleware sits at the model call, the call is one live span, current
/// around the inner pipeline (the provider's HTTP span nests under it). When a <c>FunctionInvokingChatClient</c> sits
/// below, one call of the middleware is a whole tool loop; the middleware cannot reach the round trips below it (the
/// function-invoking client's inner client is not exposed, and reflection is out for AOT), so it splits what it sees:
/// the tool invocations it hooks (<see cref="FunctionInvokerHook"/>, with their iteration) time the boundaries, and the
/// loop's output divides into round trips at each tool-result message (streamed: at each tool-result update, each
/// round trip with its own <c>UsageContent</c>, model and finish reason). The round trips' spans are written when the
/// call ends, with their real start and end times, each with its own prompt (the history that round trip sent) and
/// completion. A non-streamed loop only returns its summed usage, so there the tokens go on the span only when the
/// loop made one model call (the interaction's totals are exact either way).
/// </para>
/// <para>
/// Inside an interaction, the middleware makes its span, or else the interaction's parent span (the workflow root,
/// created then), current around the inner pipeline, so M.E.AI's spans below it join the interaction's trace and the
/// event gets its <c>trace_id</c>. A streamed call registers with its interaction, so a stream the app never disposes
/// still ends its span, with what arrived, when the interaction finishes or closes.
/// </para>
/// </remarks>
internal sealed partial class ChatCall
{
    private const string FinishReason = "gen_ai.completion.0.finish_reason";
    private const string FinishReasons = "gen_ai.response.finish_reasons";
    private const string ToolCallPrefix = "gen_ai.completion.0.tool_calls.";
    private const string Abandoned = "raindrop.stream.abandoned";

    private readonly object _gate = new();
    private readonly RaindropChatClient _owner;
    private readonly RaindropClient? _core;
    private readonly Interaction? _interaction;
    private readonly string? _userId;
    private readonly string? _eventId;
    private readonly string? _eventName;
    private readonly string? _convoId;
    private readonly string? _requestModel;
    private readonly string? _input;
    private readonly ChatOptions? _callerOptions;
    private readonly bool _recordTools;
    private readonly IReadOnlyDictionary<string, object?>? _scopeProperties;
    private static readonly AsyncLocal<ChatCall?> s_current = new();
    private RaindropSpan? _span;
    private Activity? _flowParent;
    private List<ChatResponseUpdate>? _updates;
    private Action? _openSpan;
    private int _finished;

    private ChatCall(RaindropChatClient owner, RaindropClient? core, Interaction? interaction, string? userId, RaindropScope? scope, ChatOptions? options, IEnumerable<ChatMessage> messages, bool recordTools)
    {
        _owner = owner;
        _core = core;
        _interaction = interaction;
        _recordTools = recordTools;
        _callerOptions = options;
        _requestModel = options?.ModelId ?? owner.DefaultModelId;
        _input = CaptureContent ? Prepare(ChatContent.LastUserText(messages)) : null;
        if (interaction is null && userId is not null)
        {
            _userId = userId;
            _eventId = Guid.NewGuid().ToString();
            _eventName = Property(options, RaindropChatClientOptions.EventKey) ?? owner.Settings.EventName;
            _convoId = options?.ConversationId ?? scope?.ConvoId;
            _scopeProperties = scope?.Properties;
        }
    }

    /// <summary>The call the current flow runs in (set by the middleware around its inner pipeline), for the tool hook.</summary>
    public static ChatCall? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    /// <summary>The span the inner pipeline runs under: the call's LLM span, or the interaction's parent span; null when none.</summary>
    public Activity? Activity => _span?.Activity ?? _flowParent;

    private bool CaptureContent => _owner.Settings.CaptureContent;

    /// <summary>Starts recording a call; null when there is nothing to record or recording failed (logged).</summary>
    public static ChatCall? Start(RaindropChatClient owner, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        try
        {
            var core = RaindropInterop.Core(owner.Raindrop);
            var interaction = RaindropInterop.ResolveInteraction(owner.Raindrop, options);
            // Outside an interaction the user (and conversation, properties) of the app's BeginScope scope is the fallback.
            var scope = interaction is null ? core?.CurrentScope : null;
            var userId = interaction is null ? UserIdOf(owner, options) ?? scope?.UserId : null;
            if (interaction is null && userId is null)
            {
                owner.WarnNoUser();
                if (core is null)
                {
                    return null;
                }
            }

            interaction?.NoteMiddlewareCall();
            var decision = owner.Telemetry.Decide(core);
            if (decision.Above is { } above)
            {
                if (owner.Above.IsLoop(above, out var deferred))
                {
                    MarkLoopSpan(above);
                    deferred?.WriteLate();
                    decision = decision with { LlmElsewhere = false, Above = null };
                }
            }

            var call = new ChatCall(owner, core, interaction, userId, scope, options, messages, recordTools: core is not null && !decision.ToolsElsewhere);
            call.RecordAnsweredTools(messages);
            if (core is not null && !decision.LlmElsewhere && !decision.Split)
            {
                call.StartSpan(messages, options);
            }
            else if (core is not null)
            {
                if (decision.Split)
                {
                    call.BeginRounds(messages, options, decision.LoopSpan);
                }
                else if (decision.Above is { } deferTo)
                {
                    call.KeepForLate(messages, options);
                    owner.Above.Defer(deferTo, call);
                }

                call._flowParent = interaction is not null ? Tracing.SpanTree.ParentFor(interaction) : null;
            }

            if (streaming && core is not null)
            {
                // A stream the app never disposes still ends its span: at the interaction's finish, or outside one
                // when the client flushes or closes.
                call._openSpan = () => call.Finish(null, null, abandoned: true);
                if (interaction is null)
                {
                    core.Tracer.TrackOpenSpan(call._openSpan);
                }
                else if (!interaction.TrackOpenSpan(call._openSpan))
                {
                    call._openSpan = null;
                }
            }

            return call;
        }
        catch (Exception ex)
        {
            owner.ReportFailure("start", ex);
            return null;
        }
    }

    /// <summary>Collects a streamed update (a list append under an uncontended lock: the interaction's finish may end the call from another thread).</summary>
    public void Add(ChatResponseUpdate update)
    {
        lock (_gate)
        {
            if (_finished == 0)
            {
                (_updates ??= []).Add(update);
            }
        }
    }

    /// <summary>The options the inner pipeline gets: the middleware's own keys removed and, when no function-invoking
    /// client below is hooked, AI functions wrapped to record tool spans; a copy whenever anything changes, never the caller's instance.</summary>
    public ChatOptions? InnerOptions(ChatOptions? options) => WrapTools(Strip(options));

    /// <summary>The options without the <c>raindrop.*</c> keys of <see cref="ChatOptions.AdditionalProperties"/> (a copy when there are any).</summary>
    public static ChatOptions? Strip(ChatOptions? options)
    {
        if (options?.AdditionalProperties is not { Count: > 0 } props || !props.Keys.Any(IsOwnKey))
        {
            return options;
        }

        var copy = options.Clone();
        var kept = new AdditionalPropertiesDictionary();
        foreach (var (key, value) in props)
        {
            if (!IsOwnKey(key))
            {
                kept[key] = value;
            }
        }

        copy.AdditionalProperties = kept.Count > 0 ? kept : null;
        return copy;
    }

    private static bool IsOwnKey(string key) => key.StartsWith("raindrop.", StringComparison.Ordinal);

    /// <summary>Ends the call with its response (or, for a stream, what arrived), an error, or as abandoned by the caller.</summary>
    public void Finish(ChatResponse? response, Exception? error, bool abandoned = false)
    {
        List<ChatResponseUpdate>? updates;
        lock (_gate)
        {
            if (_finished != 0)
            {
                return;
            }

            _finished = 1;
            updates = _updates;
        }

        try
        {
            if (_openSpan is not null)
            {
                if (_interaction is not null)
                {
                    _interaction.ForgetOpenSpan(_openSpan);
                }
                else
                {
                    _core?.Tracer.ForgetOpenSpan(_openSpan);
                }
            }

            var streamed = response is null ? updates?.ToChatResponse() : null;
            response ??= streamed;
            var output = CaptureContent && response is not null ? Prepare(NullIfEmpty(response.Text)) : null;
            var usage = response?.Usage;
            var model = response?.ModelId ?? _requestModel;
            if (_late is not null)
            {
                _late.Ended(streamed is not null ? null : response, updates, error, abandoned);
            }
            else if (_rounds is not null)
            {
                EndRounds(streamed is not null ? null : response, updates, error, abandoned, null);
            }
            else
            {
                EndSpan(response, output, error, abandoned);
            }

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

    private List<LlmMessage>? Prompt(IEnumerable<ChatMessage> messages, string? instructions)
    {
        if (!CaptureContent)
        {
            return null;
        }

        List<LlmMessage> prompt = [];
        if (!string.IsNullOrEmpty(instructions))
        {
            prompt.Add(new LlmMessage("system", Prepare(instructions) ?? string.Empty));
        }

        foreach (var message in messages)
        {
            prompt.Add(new LlmMessage(message.Role.Value, Prepare(ChatContent.Text(message)) ?? string.Empty));
        }

        return prompt;
    }

    private void StartSpan(IEnumerable<ChatMessage> messages, ChatOptions? options) =>
        _span = NewLlmSpan(Prompt(messages, options?.Instructions), default);

    private RaindropSpan NewLlmSpan(List<LlmMessage>? prompt, DateTimeOffset startTime)
    {
        // StartLlm needs a model; when none is known the placeholder is removed again rather than exported.
        var span = _core!.Tracer.StartLlm(_interaction, _requestModel ?? "unknown", prompt, null, startTime);
        if (_requestModel is null)
        {
            span.Activity?.SetTag("gen_ai.request.model", null);
        }

        if (_userId is not null)
        {
            span.SetProperties(Association());
        }

        return span;
    }

    private void EndSpan(ChatResponse? response, string? output, Exception? error, bool abandoned)
    {
        if (_span is null)
        {
            return;
        }

        Describe(_span, response, output, abandoned);
        _span.End(error);
    }

    private void Describe(RaindropSpan span, ChatResponse? response, string? output, bool abandoned)
    {
        if (span.Activity is { IsAllDataRequested: true } activity)
        {
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

            if (CaptureContent && response is not null)
            {
                TagToolCalls(activity, response);
            }

            span.RecordUsage(response?.Usage?.InputTokenCount, response?.Usage?.OutputTokenCount, response?.ModelId);
        }
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

        var properties = _scopeProperties is { } scoped
            ? new Dictionary<string, object?>(scoped, StringComparer.Ordinal)
            : new Dictionary<string, object?>(StringComparer.Ordinal);
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

        if (output is null && _input is null)
        {
            // An AI event needs an input or an output (WIRE.md §2) and there is none to send (CaptureContent = false,
            // or nothing was said): a plain event keeps the model in its properties and sends no content at all.
            if (model is not null)
            {
                properties["model"] = model;
            }

            if (_convoId is not null)
            {
                properties["convo_id"] = _convoId;
            }

            _owner.Raindrop.Track(new TrackEvent { EventId = _eventId, UserId = _userId, Event = _eventName!, Properties = properties });
            return;
        }

        _owner.Raindrop.TrackAi(new AiEvent
        {
            EventId = _eventId,
            UserId = _userId,
            Event = _eventName!,
            Model = model,
            Input = _input,
            Output = output,
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
