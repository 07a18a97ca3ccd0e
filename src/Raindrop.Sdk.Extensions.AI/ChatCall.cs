using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// One chat call through the middleware, from start to end: decides who records its spans (the middleware's own LLM
/// span, one per round trip of a tool loop below, or none when M.E.AI's span is the LLM span), collects a stream's
/// updates, and when it ends hands its output, model and tokens to the interaction, or sends them as the call's own
/// event outside one. Failures are contained (logged by the owner): recording never changes or breaks the call.
/// </summary>
internal sealed class ChatCall
{
    private static readonly AsyncLocal<ChatCall?> s_current = new();
    private readonly string? _input;

    // A stream's updates, and the lock around them: the interaction's finish may end the call from another thread.
    private readonly List<ChatResponseUpdate>? _updates;
    private RaindropSpan? _span;
    private Activity? _flowParent;
    private Action? _openSpan;
    private int _finished;

    private ChatCall(RaindropChatClient owner, Interaction? interaction, ChatEvent? chatEvent, ChatOptions? options, IEnumerable<ChatMessage> messages, bool recordTools, bool streaming)
    {
        _updates = streaming ? [] : null;
        Owner = owner;
        Interaction = interaction;
        Event = chatEvent;
        RecordTools = recordTools;
        RequestModel = options?.ModelId ?? owner.DefaultModelId;
        _input = owner.CaptureContent ? owner.Prepare(ChatContent.LastUserText(messages)) : null;
    }

    /// <summary>The call the current flow runs in (set by the middleware around its inner pipeline), for the tool hook.</summary>
    public static ChatCall? Current
    {
        get => s_current.Value;
        set => s_current.Value = value;
    }

    public RaindropChatClient Owner { get; }

    /// <summary>The interaction the call belongs to; null outside one.</summary>
    public Interaction? Interaction { get; }

    /// <summary>The call's own event, outside an interaction when its user is known.</summary>
    public ChatEvent? Event { get; }

    /// <summary>The model the call asked for (its options', else the inner client's default).</summary>
    public string? RequestModel { get; }

    /// <summary>Whether the middleware records this call's tool spans (no M.E.AI span records them).</summary>
    public bool RecordTools { get; }

    /// <summary>The call's model round trips, when it is a tool loop below the middleware or was deferred to a chat span above.</summary>
    public RoundTrips? Rounds { get; private set; }

    /// <summary>The span the inner pipeline runs under: the call's LLM span, or the interaction's parent span; null when none.</summary>
    public Activity? Activity => _span?.Activity ?? _flowParent;

    /// <summary>Starts recording a call; null when there is nothing to record or recording failed (logged).</summary>
    public static ChatCall? Start(RaindropChatClient owner, IEnumerable<ChatMessage> messages, ChatOptions? options, bool streaming)
    {
        try
        {
            var core = owner.Core;
            var interaction = RaindropInterop.ResolveInteraction(owner.Raindrop, options);
            ChatEvent? chatEvent = null;
            if (interaction is null)
            {
                // Outside an interaction the user (and conversation, properties) of the app's BeginScope scope is the fallback.
                chatEvent = ChatEvent.For(owner, options, core?.CurrentScope);
                if (chatEvent is null)
                {
                    owner.WarnNoUser();
                    if (core is null)
                    {
                        return null;
                    }
                }
            }

            interaction?.NoteMiddlewareCall();
            var decision = owner.Telemetry.Decide(core);
            if (decision.Above is { } above && owner.Above.IsLoop(above, out var deferred))
            {
                SpansAbove.MarkLoop(above);
                deferred?.WriteLate();
                decision = decision with { LlmElsewhere = false, Above = null };
            }

            var call = new ChatCall(owner, interaction, chatEvent, options, messages, recordTools: core is not null && !decision.ToolsElsewhere, streaming);
            owner.Tools.RecordAnswered(call, messages);
            if (core is null)
            {
                return call;
            }

            if (!decision.LlmElsewhere && !decision.Split)
            {
                call._span = owner.LlmSpans.Start(call, messages, options?.Instructions, default);
            }
            else
            {
                // Current around the inner pipeline instead of a span of ours, so the spans below join the
                // interaction's trace (and its event gets the trace id).
                call._flowParent = interaction is not null ? Tracing.SpanTree.ParentFor(interaction) : null;
                if (decision.Split)
                {
                    call.Rounds = new RoundTrips(call, messages, options?.Instructions, call._flowParent, decision.LoopSpan, deferred: false);
                }
                else if (decision.Above is { } deferTo)
                {
                    call.Rounds = new RoundTrips(call, messages, options?.Instructions, call._flowParent, loopSpan: false, deferred: true);
                    owner.Above.Defer(deferTo, call.Rounds);
                }
            }

            if (streaming)
            {
                call.TrackOpen(core);
            }

            return call;
        }
        catch (Exception ex)
        {
            owner.ReportFailure("start", ex);
            return null;
        }
    }

    /// <summary>Collects a streamed update (a list append under an uncontended lock).</summary>
    public void Add(ChatResponseUpdate update)
    {
        var updates = _updates!; // a call started for a stream
        lock (updates)
        {
            if (Volatile.Read(ref _finished) == 0)
            {
                updates.Add(update);
            }
        }
    }

    /// <summary>The options the inner pipeline gets: the middleware's own keys removed and its tools wrapped when needed; never the caller's instance changed.</summary>
    public ChatOptions? InnerOptions(ChatOptions? options)
    {
        var stripped = OwnKeys.Strip(options);
        return Owner.Tools.Wrap(this, stripped, copied: !ReferenceEquals(stripped, options));
    }

    /// <summary>Ends the call with its response (or, for a stream, what arrived), an error, or as abandoned by the caller.</summary>
    public void Finish(ChatResponse? response, Exception? error, bool abandoned = false)
    {
        if (Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        List<ChatResponseUpdate>? updates = null;
        if (_updates is { } collected)
        {
            lock (collected)
            {
                // An update being added now is kept; none is added after this (Add sees the call finished).
                updates = collected.Count > 0 ? collected : null;
            }
        }

        try
        {
            ForgetOpen();
            var streamed = response is null ? updates?.ToChatResponse() : null;
            response ??= streamed;
            var output = Owner.CaptureContent && response is not null ? Owner.Prepare(ChatContent.NullIfEmpty(response.Text)) : null;
            var usage = response?.Usage;
            var model = response?.ModelId ?? RequestModel;
            if (Rounds is not null)
            {
                Rounds.End(streamed is not null ? null : response, updates, error, abandoned);
            }
            else if (_span is not null)
            {
                Owner.LlmSpans.End(_span, response, output, error, abandoned);
            }

            if (RecordTools && response is not null)
            {
                Owner.Pending.Register(response.Messages);
            }

            if (Interaction is not null)
            {
                // A handle resumed by id may have its input and model set elsewhere: leave those alone.
                var partial = Interaction.IsIdOnly;
                Interaction.RecordLlmCall(partial ? null : _input, output, partial ? null : model, usage?.InputTokenCount, usage?.OutputTokenCount);
            }
            else
            {
                Event?.Send(Owner, _input, output, usage, model, error);
            }
        }
        catch (Exception ex)
        {
            Owner.ReportFailure("finish", ex);
        }
    }

    // A stream the app never disposes still ends its span: at the interaction's finish, or outside one when the
    // client flushes or closes.
    private void TrackOpen(RaindropClient core)
    {
        _openSpan = () => Finish(null, null, abandoned: true);
        if (Interaction is null)
        {
            core.Tracer.TrackOpenSpan(_openSpan);
        }
        else if (!Interaction.TrackOpenSpan(_openSpan))
        {
            _openSpan = null;
        }
    }

    private void ForgetOpen()
    {
        if (_openSpan is null)
        {
            return;
        }

        if (Interaction is not null)
        {
            Interaction.ForgetOpenSpan(_openSpan);
        }
        else
        {
            Owner.Core?.Tracer.ForgetOpenSpan(_openSpan);
        }
    }
}
