namespace Raindrop.Tracing;

// Spans an integration keeps open across calls it does not control, outside any interaction (a streamed chat call
// whose enumerator the app never disposes): they end, with what they have, when the client flushes or closes. Inside
// an interaction the interaction keeps them instead (Interaction.TrackOpenSpan) and ends them at its finish.
internal sealed partial class Tracer
{
    private readonly object _openGate = new();
    private HashSet<Action>? _openSpans;

    /// <summary>Registers how to end an open span outside any interaction; <see cref="EndOpenSpans"/> runs it once.</summary>
    public void TrackOpenSpan(Action end)
    {
        lock (_openGate)
        {
            (_openSpans ??= []).Add(end);
        }
    }

    /// <summary>Forgets a span registered with <see cref="TrackOpenSpan"/> (it ended on its own).</summary>
    public void ForgetOpenSpan(Action end)
    {
        lock (_openGate)
        {
            _openSpans?.Remove(end);
        }
    }

    /// <summary>Ends every registered open span (for <c>FlushAsync</c> and close, before spans are exported). Never throws.</summary>
    public void EndOpenSpans()
    {
        HashSet<Action>? open;
        lock (_openGate)
        {
            open = _openSpans;
            _openSpans = null;
        }

        if (open is null)
        {
            return;
        }

        foreach (var end in open)
        {
            try
            {
                end();
            }
            catch (Exception ex)
            {
                Contained(ex);
            }
        }
    }
}
