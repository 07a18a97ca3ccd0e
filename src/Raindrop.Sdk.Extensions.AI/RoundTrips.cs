using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// One LLM span per model round trip of a call that is a whole tool loop (a <c>FunctionInvokingChatClient</c> below
/// the middleware, whose inner client it cannot reach without reflection). The tool invocations it hooks time the
/// round trips; when the call ends, its output is split into them (<see cref="RoundSplitter"/>) and each is written
/// with its real start and end, its own prompt (the history that round trip sent) and completion. A call deferred to
/// an M.E.AI chat span above is kept the same way, and written late if that span turns out to wrap a loop.
/// </summary>
internal sealed class RoundTrips
{
    private readonly object _gate = new();
    private readonly ChatCall _call;
    private readonly List<ChatMessage> _history;
    private readonly string? _instructions;
    private readonly Activity? _flowParent;
    private readonly DateTimeOffset _startedAt = DateTimeOffset.UtcNow;
    private readonly bool _deferred;
    private List<(DateTimeOffset? FirstStart, DateTimeOffset? LastEnd)>? _toolTimes;
    private ChatResponse? _response;
    private List<ChatResponseUpdate>? _updates;
    private Exception? _error;
    private bool _abandoned;
    private DateTimeOffset? _endedAt;
    private bool _written;

    /// <param name="call">The call whose round trips these are.</param>
    /// <param name="messages">The history the call was given.</param>
    /// <param name="instructions">The call's system instructions.</param>
    /// <param name="flowParent">The span the round trips' spans are children of, if any.</param>
    /// <param name="loopSpan">An M.E.AI chat span wraps the loop: a loop of one model call gets no span here (that span is its LLM span).</param>
    /// <param name="deferred">Kept for <see cref="WriteLate"/> rather than written when the call ends.</param>
    public RoundTrips(ChatCall call, IEnumerable<ChatMessage> messages, string? instructions, Activity? flowParent, bool loopSpan, bool deferred)
    {
        _call = call;
        _history = [.. messages];
        _instructions = instructions;
        _flowParent = flowParent;
        LoopSpan = loopSpan;
        _deferred = deferred;
    }

    public bool LoopSpan { get; }

    /// <summary>Notes that a tool of loop iteration <paramref name="iteration"/> started: the model call before it ended.</summary>
    public void NoteToolStart(int iteration)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var times = ToolTimes(iteration);
            times[iteration] = (times[iteration].FirstStart ?? now, times[iteration].LastEnd);
        }
    }

    /// <summary>Notes that a tool of loop iteration <paramref name="iteration"/> ended: the next model call starts after it.</summary>
    public void NoteToolEnd(int iteration)
    {
        var now = DateTimeOffset.UtcNow;
        lock (_gate)
        {
            var times = ToolTimes(iteration);
            times[iteration] = (times[iteration].FirstStart ?? now, now);
        }
    }

    /// <summary>The call ended: writes its round trips' spans now, or keeps what it ended with when deferred.</summary>
    public void End(ChatResponse? response, List<ChatResponseUpdate>? updates, Exception? error, bool abandoned)
    {
        if (!_deferred)
        {
            Write(response, updates, error, abandoned, null);
            return;
        }

        (_response, _updates, _error, _abandoned) = (response, updates, error, abandoned);
        _endedAt = DateTimeOffset.UtcNow;
    }

    /// <summary>Writes the spans of a deferred call whose chat span above turned out to wrap a loop (once, after it ended).</summary>
    public void WriteLate()
    {
        try
        {
            if (_deferred && !_written && _endedAt is not null)
            {
                _written = true;
                Write(_response, _updates, _error, _abandoned, _endedAt);
            }
        }
        catch (Exception ex)
        {
            _call.Owner.ReportFailure("late span", ex);
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

    // From the streamed updates (each round trip with its own usage and model) or the loop's response.
    private void Write(ChatResponse? response, List<ChatResponseUpdate>? updates, Exception? error, bool abandoned, DateTimeOffset? endedAt)
    {
        var rounds = updates is not null ? RoundSplitter.FromUpdates(updates) : response is not null ? RoundSplitter.FromResponse(response) : [];
        if (rounds.Count == 0)
        {
            rounds.Add(new RoundTrip(new ChatResponse(), []));
        }

        if (rounds.Count == 1 && LoopSpan)
        {
            return; // M.E.AI's chat span around the loop covered exactly this one model call
        }

        List<(DateTimeOffset? FirstStart, DateTimeOffset? LastEnd)> times;
        lock (_gate)
        {
            times = _toolTimes is null ? [] : [.. _toolTimes];
        }

        var owner = _call.Owner;
        var now = endedAt ?? DateTimeOffset.UtcNow;
        var history = _history; // grown in place: written once (the call finishes once; a deferred call is handed out once)
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

                var span = owner.LlmSpans.Start(_call, history, _instructions, start);
                var round = rounds[k].Response;
                var output = owner.CaptureContent ? owner.Prepare(ChatContent.NullIfEmpty(round.Text)) : null;
                owner.LlmSpans.End(span, round, output, last ? error : null, last && abandoned, end < start ? start : end);
                history.AddRange(round.Messages);
                history.AddRange(rounds[k].ToolMessages);
            }
        }
        finally
        {
            Activity.Current = previous;
        }
    }
}
