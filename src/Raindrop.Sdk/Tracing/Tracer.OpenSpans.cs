namespace Raindrop.Tracing;

// Spans kept open outside any interaction (see OpenSpans): they end when the client flushes or closes. Inside an
// interaction the interaction keeps them instead and ends them at its finish.
internal sealed partial class Tracer
{
    private readonly OpenSpans _openSpans = new();

    /// <summary>Registers how to end an open span outside any interaction; <see cref="EndOpenSpans"/> runs it once.</summary>
    public void TrackOpenSpan(Action end) => _openSpans.Track(end);

    /// <summary>Forgets a span registered with <see cref="TrackOpenSpan"/> (it ended on its own).</summary>
    public void ForgetOpenSpan(Action end) => _openSpans.Forget(end);

    /// <summary>Ends every registered open span (for <c>FlushAsync</c> and close, before spans are exported). Never throws.</summary>
    public void EndOpenSpans() => _openSpans.EndAll(close: false, Contained);
}
