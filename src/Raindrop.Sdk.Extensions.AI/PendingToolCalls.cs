using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.AI;

namespace Raindrop;

/// <summary>
/// Tool calls a model asked for in a response this middleware returned and that were not answered in the same
/// response: the shape seen when <c>FunctionInvokingChatClient</c> sits outside <c>UseRaindrop()</c> (or when the
/// app runs tools itself). When a later call carries the result, the tool span is recorded from the call and
/// result contents, timed from the response to that call. Results of calls this middleware never saw (older chat
/// history) are ignored, so nothing is recorded twice. Bounded: past <see cref="Capacity"/> entries it starts over.
/// </summary>
internal sealed class PendingToolCalls
{
    public const int Capacity = 1024;

    private readonly ConcurrentDictionary<string, Pending> _calls = new(StringComparer.Ordinal);

    /// <summary>Remembers the unanswered tool calls of a response.</summary>
    public void Register(IList<ChatMessage> responseMessages)
    {
        List<FunctionCallContent>? calls = null;
        HashSet<string>? answered = null;
        for (var m = 0; m < responseMessages.Count; m++)
        {
            var contents = responseMessages[m].Contents;
            for (var c = 0; c < contents.Count; c++)
            {
                var content = contents[c];
                if (content is FunctionCallContent call && !string.IsNullOrEmpty(call.CallId))
                {
                    (calls ??= []).Add(call);
                }
                else if (content is FunctionResultContent result && !string.IsNullOrEmpty(result.CallId))
                {
                    (answered ??= new(StringComparer.Ordinal)).Add(result.CallId);
                }
            }
        }

        if (calls is null)
        {
            return;
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var call in calls)
        {
            if (answered?.Contains(call.CallId) == true)
            {
                continue;
            }

            if (_calls.Count >= Capacity)
            {
                _calls.Clear(); // calls nobody answered: forget them rather than grow
            }

            _calls[call.CallId] = new Pending(call, now);
        }
    }

    /// <summary>The results in <paramref name="messages"/> that answer a remembered call, each with its call and how long ago it was asked.</summary>
    public List<(FunctionCallContent Call, FunctionResultContent Result, TimeSpan Elapsed)>? TakeAnswered(IEnumerable<ChatMessage> messages)
    {
        if (_calls.IsEmpty)
        {
            return null;
        }

        List<(FunctionCallContent, FunctionResultContent, TimeSpan)>? answered = null;
        foreach (var message in messages)
        {
            foreach (var content in message.Contents)
            {
                if (content is FunctionResultContent result && !string.IsNullOrEmpty(result.CallId) && _calls.TryRemove(result.CallId, out var pending))
                {
                    (answered ??= []).Add((pending.Call, result, Stopwatch.GetElapsedTime(pending.Timestamp)));
                }
            }
        }

        return answered;
    }

    private readonly record struct Pending(FunctionCallContent Call, long Timestamp);
}
