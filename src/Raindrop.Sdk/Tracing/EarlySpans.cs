using System.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// Listens from the client's constructor on, until its own <c>TracerProvider</c> listens: the provider is built in the
/// background only once a span of the Raindrop or an AI-library source starts (<see cref="OwnedProvider"/>), and spans
/// that end before it is built are kept here and handed to its processor then, so no early span is lost and neither
/// construction nor a process without spans pays for OpenTelemetry. Samples like the provider (parent-based, always
/// on for roots) and attaches AI-library spans to their interaction as the processor would.
/// </summary>
internal sealed class EarlySpans : IDisposable
{
    // Past this many spans ended before the provider was built, the rest are dropped (the export queue holds as many).
    private const int MaxKept = 8192;

    private readonly object _gate = new();
    private readonly List<Activity> _ended = [];
    private readonly ActivityListener _listener;
    private bool _handedOff;

    /// <param name="client">The client whose interactions AI-library spans are attached to.</param>
    /// <param name="sources">The AI libraries' sources listened to, besides Raindrop's own.</param>
    /// <param name="onSpan">Called on the app's thread for every span started or ended here: it must be cheap and never throw.</param>
    public EarlySpans(RaindropClient client, IReadOnlyList<string> sources, Action onSpan)
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == RaindropActivitySource.Name || RaindropActivitySource.Matches(source.Name, sources),
            Sample = static (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Parent == default || options.Parent.TraceFlags.HasFlag(ActivityTraceFlags.Recorded)
                    ? ActivitySamplingResult.AllDataAndRecorded
                    : ActivitySamplingResult.PropagationData,
            ActivityStarted = activity =>
            {
                onSpan();
                Tracer.AttachLibrarySpan(activity, client, sources);
            },
            ActivityStopped = activity =>
            {
                if (!activity.Recorded)
                {
                    return;
                }

                onSpan(); // one that started before this listener did still needs the provider
                lock (_gate)
                {
                    if (!_handedOff && _ended.Count < MaxKept)
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
