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
/// (<see cref="RaindropOptions.CaptureUnownedSpans"/>). An AI library's model call also gives its interaction the
/// model and token counts (<see cref="LibraryUsage"/>).
/// </summary>
internal sealed class RaindropSpanProcessor : BaseProcessor<Activity>
{
    private readonly RaindropClient _client;
    private readonly BaseProcessor<Activity> _export;
    private readonly RaindropTraceExporter _exporter;
    private readonly TraceExport _sources;
    private readonly bool _exportAll;

    public RaindropSpanProcessor(RaindropClient client, BaseProcessor<Activity> export, RaindropTraceExporter exporter, TraceExport sources, bool exportAll)
    {
        _client = client;
        _export = export;
        _exporter = exporter;
        _sources = sources;
        _exportAll = exportAll;
    }

    public override void OnStart(Activity data) => SpanTree.AttachLibrarySpan(data, _client, _sources.Sources);

    public override void OnEnd(Activity data)
    {
        if (!data.Recorded)
        {
            return;
        }

        // The app's own spans (HTTP, database) stay out even inside an interaction: they carry no association
        // properties. Spans of another client's interactions never go to this client's project.
        var fromOurSources = _sources.Captures(data.Source.Name);
        if (!fromOurSources && !_exportAll)
        {
            return;
        }

        // A flow the app excluded from capture exports no span outside an interaction (a span ends on the flow that
        // made it). A span of no client's interaction goes to one project only: the oldest live client that takes them.
        if (_client.CurrentScope is { Suppressed: true } && SpanTree.InteractionOf(data) is null)
        {
            return;
        }

        var owner = SpanTree.ClientOf(data) ?? Diagnostics.LiveClients.UnownedSpanOwner;
        if (!ReferenceEquals(owner, _client) || SpanTree.IsEmptyRoot(data))
        {
            return;
        }

        if (fromOurSources && data.Source.Name != RaindropActivitySource.Name)
        {
            LibraryUsage.Record(data);
        }

        _exporter.Offered();
        _export.OnEnd(data);
    }

    /// <summary>Spans this processor passed on that were not delivered and not yet named in a warning; see <see cref="RaindropTraceExporter.TakeUnreported"/>.</summary>
    public long TakeUnreported() => _exporter.TakeUnreported();

    // Flushed means sent (or given up), not merely taken for export.
    protected override bool OnForceFlush(int timeoutMilliseconds)
    {
        var started = Environment.TickCount64;
        return _export.ForceFlush(timeoutMilliseconds)
            && _exporter.WaitIdle((int)Math.Max(0, timeoutMilliseconds - (Environment.TickCount64 - started)));
    }

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
