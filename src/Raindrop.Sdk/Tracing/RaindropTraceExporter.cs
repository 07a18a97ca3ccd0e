using System.Buffers;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using Raindrop.Diagnostics;

namespace Raindrop.Tracing;

/// <summary>
/// The OTLP/HTTP protobuf exporter, wrapped so a failing traces endpoint costs the app one rate-limited warning
/// (the OTLP exporter itself reports only to EventSource) and never an exception, and so a flush can wait for an
/// export still being sent (OpenTelemetry's batch processor counts a span flushed once it is taken for export, while
/// its request may still be retrying). Every export fits the body limit (<see cref="SpanSizes"/>), and one the server
/// answers 413 is sent again in halves (WIRE.md §5). It counts the spans offered, delivered and named in warnings,
/// so the close can name the rest (the ones the batch processor still held, or that failed since the last warning).
/// </summary>
internal sealed partial class RaindropTraceExporter : BaseExporter<Activity>
{
    private readonly BaseExporter<Activity> _inner;
    private readonly ILogger _logger;
    private readonly RateLimiter _warnings;
    private readonly bool _debugLogs;
    private readonly object _idle = new();
    private readonly ExportStatus _status;
    private readonly int _maxBodyBytes;
    private int _exporting;
    private long _offered;
    private long _delivered;
    private long _reported; // spans a warning has named (under the lock on _warnings)

    public RaindropTraceExporter(BaseExporter<Activity> inner, ExportStatus status, int maxBodyBytes, ILogger logger, TimeProvider time, bool debugLogs)
    {
        _inner = inner;
        _status = status;
        _maxBodyBytes = maxBodyBytes;
        _debugLogs = debugLogs;
        _logger = logger;
        _warnings = new RateLimiter(time);
    }

    public override ExportResult Export(in Batch<Activity> batch)
    {
        ExportResult result;
        var ambient = Activity.Current;
        var deliveredBefore = Volatile.Read(ref _delivered);
        Interlocked.Increment(ref _exporting);
        try
        {
            // The export's own HTTP request must not become one of the app's spans (WIRE.md §7).
            Activity.Current = null;
            using var suppressed = SuppressInstrumentationScope.Begin();
            result = ExportWithinLimits(batch);
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

        if (result != ExportResult.Success)
        {
            ReportFailed(batch.Count - (Volatile.Read(ref _delivered) - deliveredBefore));
        }
        else if (_debugLogs)
        {
            LogExported(_logger, batch.Count); // DebugLogs: a line per request, traces included
        }

        return result;
    }

    /// <summary>A span was handed to the batch processor in front of this exporter.</summary>
    public void Offered() => Interlocked.Increment(ref _offered);

    /// <summary>
    /// Spans handed to the batch processor that were neither delivered nor named in a warning yet (still queued at
    /// close, over its queue bound, or failed since the last rate-limited warning), taken as reported now.
    /// </summary>
    public long TakeUnreported()
    {
        lock (_warnings)
        {
            var unreported = Unreported;
            _reported += unreported;
            return unreported;
        }
    }

    private long Unreported => Math.Max(0, Volatile.Read(ref _offered) - Volatile.Read(ref _delivered) - _reported);

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

    // A batch of the batch processor is read once (reading takes the spans from its queue): into a pooled array.
    private ExportResult ExportWithinLimits(in Batch<Activity> batch)
    {
        var spans = ArrayPool<Activity>.Shared.Rent((int)batch.Count);
        var count = 0;
        try
        {
            foreach (var span in batch)
            {
                spans[count++] = span;
            }

            return SpanSizes.Split(spans, count, _maxBodyBytes) is { } slices
                ? ExportSlices(slices)
                : ExportOrHalve(new Batch<Activity>(spans, count));
        }
        finally
        {
            Array.Clear(spans, 0, count);
            ArrayPool<Activity>.Shared.Return(spans);
        }
    }

    private ExportResult ExportSlices(List<Activity[]> slices)
    {
        var result = ExportResult.Success;
        foreach (var slice in slices)
        {
            if (ExportOrHalve(new Batch<Activity>(slice, slice.Length)) != ExportResult.Success)
            {
                result = ExportResult.Failure;
            }
        }

        return result;
    }

    // A 413 on several spans: each half is sent on its own (WIRE.md §5); on one span it is dropped and logged.
    private ExportResult ExportOrHalve(in Batch<Activity> batch)
    {
        _status.Reset();
        var result = _inner.Export(batch);
        if (result == ExportResult.Success)
        {
            Interlocked.Add(ref _delivered, batch.Count);
        }

        if (result == ExportResult.Success || !_status.TooLarge || batch.Count < 2)
        {
            return result;
        }

        var spans = new Activity[batch.Count];
        var i = 0;
        foreach (var span in batch)
        {
            spans[i++] = span;
        }

        var middle = spans.Length / 2;
        return ExportSlices([spans[..middle], spans[middle..]]);
    }

    // Spans the close already counted (an export that failed after the deadline's report) are not named twice.
    private void ReportFailed(long count)
    {
        lock (_warnings)
        {
            count = Math.Min(count, Unreported);
            if (count > 0 && _warnings.TryAcquire(count, out var total))
            {
                _reported += total;
                LogExportFailed(_logger, total);
            }
        }
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
