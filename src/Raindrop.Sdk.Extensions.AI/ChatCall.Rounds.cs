using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

// One LLM span per model round trip of a tool loop that runs below the middleware (see the remarks on ChatCall).
internal sealed partial class ChatCall
{
    private List<ChatMessage>? _rounds;
    private string? _instructions;
    private DateTimeOffset _startedAt;
    private bool _loopSpan;
    private Late? _late;
    private List<(DateTimeOffset? FirstStart, DateTimeOffset? LastEnd)>? _toolTimes;

    /// <summary>
    /// An M.E.AI <c>chat</c> span around a whole tool loop is not one model call: the middleware writes one LLM span
    /// per round trip, and that span stays in the tree as a task (WIRE.md §7: one LLM span per model call). Marked
    /// while it is open (from the first tool call of the loop), so the mark is exported with it.
    /// </summary>
    internal static void MarkLoopSpan(Activity? inside)
    {
        for (var a = inside; a is not null; a = a.Parent)
        {
            if (a.Source.Name != Tracing.RaindropActivitySource.Name && a.GetTagItem("gen_ai.operation.name") is "chat")
            {
                a.SetTag(Tracing.SpanAttributes.SpanKind, Tracing.SpanAttributes.KindTask);
                return;
            }
        }
    }

    private void BeginRounds(IEnumerable<ChatMessage> messages, ChatOptions? options, bool loopSpan)
    {
        _loopSpan = loopSpan;
        _rounds = [.. messages];
        _instructions = options?.Instructions;
        _startedAt = DateTimeOffset.UtcNow;
    }

    // A call deferred to an M.E.AI chat span above that may turn out to wrap a loop: kept to be written late.
    private void KeepForLate(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        _rounds = [.. messages];
        _instructions = options?.Instructions;
        _startedAt = DateTimeOffset.UtcNow;
        _late = new Late();
    }

    /// <summary>Writes the LLM span of a call that was deferred to a chat span above which turned out to wrap a loop.</summary>
    public void WriteLate()
    {
        try
        {
            if (_late is { Written: false, EndedAt: not null } late)
            {
                late.Written = true;
                EndRounds(late.Response, late.Updates, late.Error, late.Abandoned, late.EndedAt);
            }
        }
        catch (Exception ex)
        {
            _owner.ReportFailure("late span", ex);
        }
    }

    private void NoteToolStart(int iteration)
    {
        if (_rounds is null)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var times = ToolTimes(iteration);
            times[iteration] = (times[iteration].FirstStart ?? now, times[iteration].LastEnd);
        }
    }

    private void NoteToolEnd(int iteration)
    {
        if (_rounds is null)
        {
            return;
        }

        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var times = ToolTimes(iteration);
            times[iteration] = (times[iteration].FirstStart ?? now, now);
        }
    }

    private List<(DateTimeOffset? FirstStart, DateTimeOffset? LastEnd)> ToolTimes(int iteration)
    {
        var times = _toolTimes ??= [];
        while (times.Count <= iteration)
        {
            times.Add((null, null));
        }

        return times;
    }

    // Writes the round trips' spans once the call ended: from the streamed updates (each round trip with its own usage
    // and model) or the loop's response (usage only when there was one round trip).
    private void EndRounds(ChatResponse? response, List<ChatResponseUpdate>? updates, Exception? error, bool abandoned, DateTimeOffset? endedAt)
    {
        var rounds = updates is not null ? FromUpdates(updates) : response is not null ? FromResponse(response) : [];
        if (rounds.Count == 0)
        {
            rounds.Add(new Round(new ChatResponse(), []));
        }

        if (rounds.Count == 1 && _loopSpan)
        {
            return; // M.E.AI's chat span around the loop covered exactly this one model call
        }

        List<(DateTimeOffset? FirstStart, DateTimeOffset? LastEnd)> times;
        lock (_gate)
        {
            times = _toolTimes is null ? [] : [.. _toolTimes];
        }

        var now = endedAt ?? DateTimeOffset.UtcNow;
        var history = new List<ChatMessage>(_rounds!);
        var previous = Activity.Current;
        try
        {
            for (var k = 0; k < rounds.Count; k++)
            {
                var last = k == rounds.Count - 1;
                var start = k == 0 ? _startedAt : times.ElementAtOrDefault(k - 1).LastEnd ?? _startedAt;
                var end = last ? now : times.ElementAtOrDefault(k).FirstStart ?? now;
                if (_flowParent is { IsStopped: false } parent)
                {
                    Activity.Current = parent;
                }

                var span = NewLlmSpan(Prompt(history, _instructions), start);
                var round = rounds[k].Response;
                var output = CaptureContent ? Prepare(NullIfEmpty(round.Text)) : null;
                Describe(span, round, output, last && abandoned);
                span.Activity?.SetEndTime((end < start ? start : end).UtcDateTime);
                span.End(last ? error : null);
                history.AddRange(round.Messages);
                history.AddRange(rounds[k].ToolMessages);
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    private static List<Round> FromUpdates(List<ChatResponseUpdate> updates)
    {
        List<Round> rounds = [];
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
                rounds.Add(new Round(model.ToChatResponse(), tools.ToChatResponse().Messages));
                model = [];
                tools = [];
            }

            model.Add(update);
        }

        if (model.Count > 0 || tools.Count > 0)
        {
            rounds.Add(new Round(model.ToChatResponse(), tools.Count > 0 ? tools.ToChatResponse().Messages : []));
        }

        return rounds;
    }

    private static List<Round> FromResponse(ChatResponse response)
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

        List<Round> rounds = [];
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            var hasCalls = parts[i].Model.Any(m => m.Contents.Any(c => c is FunctionCallContent));
            rounds.Add(new Round(
                new ChatResponse(parts[i].Model)
                {
                    ModelId = last ? response.ModelId : null,
                    FinishReason = last ? response.FinishReason : hasCalls ? ChatFinishReason.ToolCalls : null,
                    Usage = parts.Count == 1 ? response.Usage : null, // a loop returns only its summed usage
                },
                parts[i].Tools));
        }

        return rounds;
    }

    private static bool IsToolResult(ChatRole? role, IList<AIContent> contents) =>
        role == ChatRole.Tool || (contents.Count > 0 && contents.All(c => c is FunctionResultContent));

    private sealed class Late
    {
        public ChatResponse? Response { get; private set; }

        public List<ChatResponseUpdate>? Updates { get; private set; }

        public Exception? Error { get; private set; }

        public bool Abandoned { get; private set; }

        public DateTimeOffset? EndedAt { get; private set; }

        public bool Written { get; set; }

        public void Ended(ChatResponse? response, List<ChatResponseUpdate>? updates, Exception? error, bool abandoned)
        {
            (Response, Updates, Error, Abandoned) = (response, updates, error, abandoned);
            EndedAt = DateTimeOffset.UtcNow;
        }
    }

    private readonly record struct Round(ChatResponse Response, IList<ChatMessage> ToolMessages);
}
