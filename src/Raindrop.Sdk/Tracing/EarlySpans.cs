using System.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// Listens from the client's constructor on while its own <c>TracerProvider</c> is built in the background (building
/// it is most of a client's start-up time): spans of the Raindrop and AI-library sources that end before the provider
/// listens are kept here and handed to its processor once it is built, so no early span is lost and construction
/// stays fast. Samples like the provider (parent-based, always on for roots) and attaches AI-library spans to their
/// interaction as the processor would.
/// </summary>
internal sealed class EarlySpans : IDisposable
{
    private readonly object _gate = new();
    private readonly List<Activity> _ended = [];
    private readonly ActivityListener _listener;
    private bool _handedOff;

    public EarlySpans(RaindropClient client, IReadOnlyList<string> sources)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RaindropActivitySource.Name || RaindropActivitySource.Matches(source.Name, sources),
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
            ActivityStarted = activity => RaindropSpanProcessor.Attach(activity, client, sources),
            ActivityStopped = activity =>
            {
                lock (_gate)
                {
                    if (!_handedOff && activity.Recorded)
                    {
                        _ended.Add(activity);
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Stops listening and passes what ended meanwhile to the provider's processor (which now listens itself).</summary>
    public void HandOff(RaindropSpanProcessor processor)
    {
        List<Activity> ended;
        lock (_gate)
        {
            _handedOff = true;
            ended = [.. _ended];
            _ended.Clear();
        }

        _listener.Dispose();
        foreach (var activity in ended)
        {
            processor.OnEnd(activity); // one that ended as the provider started listening is deduplicated there
        }

        processor.EndHandOff();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _handedOff = true;
            _ended.Clear();
        }

        _listener.Dispose();
    }
}
