namespace Raindrop.Tracing;

/// <summary>
/// Spans an integration keeps open across calls it does not control (a streamed chat call whose enumerator the app may
/// never dispose), each with how to end it: the owner ends them, with what they have, at its finish, flush or close.
/// One per interaction (made on first use) and one per client for those outside any interaction.
/// </summary>
internal sealed class OpenSpans
{
    private readonly object _gate = new();
    private HashSet<Action>? _open;
    private bool _closed;

    /// <summary>Registers how to end an open span; false (and keeps nothing) once closed.</summary>
    public bool Track(Action end)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return false;
            }

            (_open ??= []).Add(end);
            return true;
        }
    }

    /// <summary>Forgets a span registered with <see cref="Track"/> (it ended on its own).</summary>
    public void Forget(Action end)
    {
        lock (_gate)
        {
            _open?.Remove(end);
        }
    }

    /// <summary>Ends every registered span once; with <paramref name="close"/>, later ones are refused. Never throws.</summary>
    public void EndAll(bool close, Action<Exception> contained)
    {
        HashSet<Action>? open;
        lock (_gate)
        {
            open = _open;
            _open = null;
            _closed |= close;
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
                contained(ex);
            }
        }
    }
}
