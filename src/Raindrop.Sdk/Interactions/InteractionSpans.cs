using System.Diagnostics;

namespace Raindrop.Interactions;

/// <summary>
/// An interaction's side of its trace: the root span grouping its spans (made at <c>Begin</c> or on first use, taken
/// once at finish or close), whether any other span joined it (only then is the root exported), and the spans an
/// integration keeps open that must end before the root does. Thread-safe (it locks itself: it is never exposed).
/// </summary>
internal sealed class InteractionSpans
{
    private Activity? _root;
    private bool _rootTaken;
    private int _joined;
    private Tracing.OpenSpans? _open;
    private bool _ended;

    /// <summary>Whether a span other than the root joined the interaction.</summary>
    public bool Joined => Volatile.Read(ref _joined) != 0;

    /// <summary>Marks that a span joined; true the first time.</summary>
    public bool Join() => Volatile.Read(ref _joined) == 0 && Interlocked.Exchange(ref _joined, 1) == 0;

    /// <summary>The root span, made by <paramref name="create"/> (given <paramref name="state"/>) on first use; null once taken.</summary>
    public Activity? GetOrCreateRoot<TState>(TState state, Func<TState, Activity?> create)
    {
        lock (this)
        {
            if (_root is null && !_rootTaken)
            {
                _root = create(state);
            }

            return _rootTaken ? null : _root;
        }
    }

    /// <summary>The root span, if one was made (also after it was taken).</summary>
    public Activity? Root => Volatile.Read(ref _root);

    /// <summary>Takes the root span to end it (once); later spans get no root.</summary>
    public Activity? TakeRoot()
    {
        lock (this)
        {
            var root = _rootTaken ? null : _root;
            _rootTaken = true;
            return root;
        }
    }

    /// <summary>Registers how to end a span kept open; false (and keeps nothing) once <see cref="EndOpen"/> ran.</summary>
    public bool TrackOpen(Action end)
    {
        Tracing.OpenSpans open;
        lock (this)
        {
            if (_ended)
            {
                return false;
            }

            open = _open ??= new Tracing.OpenSpans(); // made on first use: most interactions never stream
        }

        return open.Track(end);
    }

    /// <summary>Forgets a span registered with <see cref="TrackOpen"/> (it ended on its own).</summary>
    public void ForgetOpen(Action end) => Volatile.Read(ref _open)?.Forget(end);

    /// <summary>Ends the spans still open (at finish or close, before the root ends); later ones are refused. Never throws.</summary>
    public void EndOpen(Tracing.Tracer tracer)
    {
        Tracing.OpenSpans? open;
        lock (this)
        {
            _ended = true;
            open = _open;
        }

        open?.EndAll(close: true, tracer.Contained);
    }
}
