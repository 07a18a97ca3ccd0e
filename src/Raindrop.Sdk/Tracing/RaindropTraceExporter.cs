using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Raindrop.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// The OTLP/HTTP protobuf exporter, wrapped so a failing traces endpoint costs the app one rate-limited warning
/// (the OTLP exporter itself reports only to EventSource) and never an exception.
/// </summary>
internal sealed partial class RaindropTraceExporter : BaseExporter<Activity>
{
    private readonly BaseExporter<Activity> _inner;
    private readonly ILogger _logger;
    private readonly RateLimiter _warnings;

    public RaindropTraceExporter(BaseExporter<Activity> inner, ILogger logger, TimeProvider time)
    {
        _inner = inner;
        _logger = logger;
        _warnings = new RateLimiter(time);
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        ExportResult result;
        var ambient = Activity.Current;
        try
        {
            // The export's own HTTP request must not become one of the app's spans (WIRE.md §7).
            Activity.Current = null;
            using var suppressed = SuppressInstrumentationScope.Begin();
            result = _inner.Export(batch);
        }
        catch (Exception ex)
        {
            result = ExportResult.Failure;
            LogExportThrew(_logger, ex);
        }
        finally
        {
            Activity.Current = ambient;
        }

        if (result != ExportResult.Success && _warnings.TryAcquire(batch.Count, out var total))
        {
            LogExportFailed(_logger, total);
        }

        return result;
    }

    protected override bool OnForceFlush(int timeoutMilliseconds) => _inner.ForceFlush(timeoutMilliseconds);

    protected override bool OnShutdown(int timeoutMilliseconds) => _inner.Shutdown(timeoutMilliseconds);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    [LoggerMessage(401, LogLevel.Warning, "Raindrop could not export {Count} span(s) to the traces endpoint since the last report; they were dropped.")]
    private static partial void LogExportFailed(ILogger logger, long count);

    [LoggerMessage(402, LogLevel.Debug, "Raindrop trace exporter threw.")]
    private static partial void LogExportThrew(ILogger logger, Exception exception);
}
