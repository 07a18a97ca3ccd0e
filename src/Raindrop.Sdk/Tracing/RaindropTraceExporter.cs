using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Raindrop.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// The OTLP/HTTP protobuf exporter, wrapped so a failing traces endpoint costs the app one rate-limited warning
/// (the OTLP exporter itself reports only to EventSource) and never an exception, and so a flush can wait for an
/// export still being sent (OpenTelemetry's batch processor counts a span flushed once it is taken for export, while
/// its request may still be retrying).
/// </summary>
internal sealed partial class RaindropTraceExporter : BaseExporter<Activity>
{
    private readonly BaseExporter<Activity> _inner;
    private readonly ILogger _logger;
    private readonly RateLimiter _warnings;
    private readonly bool _debugLogs;
    private readonly object _idle = new();
    private int _exporting;

    public RaindropTraceExporter(BaseExporter<Activity> inner, ILogger logger, TimeProvider time, bool debugLogs)
    {
        _inner = inner;
        _debugLogs = debugLogs;
        _logger = logger;
        _warnings = new RateLimiter(time);
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        ExportResult result;
        var ambient = Activity.Current;
        Interlocked.Increment(ref _exporting);
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
            if (Interlocked.Decrement(ref _exporting) == 0)
            {
                lock (_idle)
                {
                    Monitor.PulseAll(_idle);
                }
            }
        }

        if (result != ExportResult.Success && _warnings.TryAcquire(batch.Count, out var total))
        {
            LogExportFailed(_logger, total);
        }
        else if (result == ExportResult.Success && _debugLogs)
        {
            LogExported(_logger, batch.Count); // DebugLogs: a line per request, traces included
        }

        return result;
    }

    /// <summary>Waits until no export is being sent; false when one still is after <paramref name="timeoutMilliseconds"/>.</summary>
    public bool WaitIdle(int timeoutMilliseconds)
    {
        var started = Environment.TickCount64;
        lock (_idle)
        {
            while (Volatile.Read(ref _exporting) > 0)
            {
                var left = timeoutMilliseconds - (Environment.TickCount64 - started);
                if (left <= 0)
                {
                    return false;
                }

                Monitor.Wait(_idle, (int)left);
            }
        }

        return true;
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

    [LoggerMessage(403, LogLevel.Information, "Raindrop sent {Count} span(s) to v1/traces: ok.")]
    private static partial void LogExported(ILogger logger, long count);

    [LoggerMessage(402, LogLevel.Debug, "Raindrop trace exporter threw.")]
    private static partial void LogExportThrew(ILogger logger, Exception exception);
}
