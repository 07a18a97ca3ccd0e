using System.Diagnostics;
using OpenTelemetry;

namespace Raindrop.Tracing;

/// <summary>
/// Decides which spans reach Raindrop and gives AI-library spans their interaction. On start, a span from an AI
/// library's source that begins inside one of this client's interactions (under one of its spans, or with the
/// interaction ambient in the flow) gets the interaction's association properties. On end, a span is passed to
/// the exporting processor when it comes from the Raindrop or an AI-library source (or any source, with
/// <see cref="RaindropOptions.ExportAllSpans"/>) and belongs to this client: made by it or inside one of its
/// interactions, or, for a span of no client, when this is the client chosen for those
/// (<see cref="RaindropOptions.CaptureUnownedSpans"/>).
/// </summary>
internal sealed class RaindropSpanProcessor : BaseProcessor<Activity>
{
    private readonly RaindropClient _client;
    private readonly BaseProcessor<Activity> _export;
    private readonly IReadOnlyList<string> _sources;
    private readonly bool _exportAll;
    private readonly string _endedKey = "raindrop.ended." + Guid.NewGuid().ToString("N");
    private bool _handingOff;

    public RaindropSpanProcessor(RaindropClient client, BaseProcessor<Activity> export, IReadOnlyList<string> sources, bool exportAll, bool handingOff = false)
    {
        _handingOff = handingOff;
        _client = client;
        _export = export;
        _sources = sources;
        _exportAll = exportAll;
    }

    public override void OnStart(Activity data) => Tracer.AttachLibrarySpan(data, _client, _sources);

    /// <summary>Ends the start-up hand-off (<see cref="EarlySpans"/>): from now on each span reaches this processor once.</summary>
    internal void EndHandOff() => Volatile.Write(ref _handingOff, false);

    public override void OnEnd(Activity data)
    {
        if (!data.Recorded)
        {
            return;
        }

        // The app's own spans (HTTP, database) stay out even inside an interaction: they carry no association
        // properties. Spans of another client's interactions never go to this client's project.
        var fromOurSources = data.Source.Name == RaindropActivitySource.Name || RaindropActivitySource.Matches(data.Source.Name, _sources);
        if (!fromOurSources && !_exportAll)
        {
            return;
        }

        // A span of no client's interaction goes to one project only: the oldest live client that takes them.
        var owner = Tracer.ClientOf(data) ?? Diagnostics.LiveClients.UnownedSpanOwner;
        if (ReferenceEquals(owner, _client) && FirstEnd(data))
        {
            _export.OnEnd(data);
        }
    }

    // While the start-up hand-off runs, a span that ended just as the provider began listening reaches this processor
    // twice (from the provider and from the early buffer): export it once.
    private bool FirstEnd(Activity data)
    {
        if (!Volatile.Read(ref _handingOff))
        {
            return true;
        }

        lock (data)
        {
            if (data.GetCustomProperty(_endedKey) is not null)
            {
                return false;
            }

            data.SetCustomProperty(_endedKey, this);
            return true;
        }
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => _export.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => _export.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _export.Dispose();
        }

        base.Dispose(disposing);
    }
}
