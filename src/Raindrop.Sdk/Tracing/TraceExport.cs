using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Raindrop.Delivery;

namespace Raindrop.Tracing;

/// <summary>
/// A client's span export to <c>{scheme://host}/v1/traces</c>, built once with the client: its own
/// <see cref="TracerProvider"/> (unless <see cref="RaindropOptions.UseExternalOpenTelemetry"/>) whose processor is
/// Raindrop's filter in front of OpenTelemetry's <see cref="BatchActivityExportProcessor"/> and OTLP exporter, sending
/// through the client's HTTP stack with the events' retry rule. The client's own rule samples: every span of the
/// Raindrop source and of the AI libraries' sources is recorded whatever the host's Activity or the app's sampler says
/// (WIRE.md §7); the processor then decides which of them belong to this client.
/// </summary>
internal sealed partial class TraceExport : IDisposable
{
    // Spans waiting for export past this many are dropped by the batch processor (and counted by OpenTelemetry).
    private const int MaxQueuedSpans = 8192;

    private readonly RaindropClient _client;
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Uri _tracesUri;
    private readonly List<RaindropSpanProcessor> _processors = [];
    private readonly CancellationTokenSource _closing = new();
    private readonly TracerProvider? _provider;
    private readonly ActivityListener? _sampling;

    public TraceExport(RaindropClient client, RaindropOptions options, Uri baseUri, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _tracesUri = new Uri(baseUri.GetLeftPart(UriPartial.Authority) + "/v1/traces");
        Sources = options.InstrumentedSources is { } sources ? [.. sources] : RaindropActivitySource.DefaultInstrumentedSources;
        if (!client.IsEnabled)
        {
            return;
        }

        if (options.UseExternalOpenTelemetry)
        {
            // The app's sampler is the app's; this listener is the client's rule (a source takes the most permissive
            // answer of its listeners), so an app sampler or an unrecorded request Activity never drops Raindrop's spans.
            _sampling = new ActivityListener
            {
                ShouldListenTo = source => Captures(source.Name),
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_sampling);
            return;
        }

        try
        {
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetSampler(new AlwaysOnSampler())
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ServiceName()))
                .AddSource(RaindropActivitySource.Name);
            foreach (var source in Sources)
            {
                builder.AddSource(source);
            }

            _provider = builder.AddProcessor(CreateProcessor()).Build();
        }
        catch (Exception ex)
        {
            // Never the app's problem: without a provider the client still sends events, and says why spans are not.
            LogProviderFailed(logger, ex);
        }
    }

    /// <summary>The AI libraries' source names (wildcards allowed) captured besides the Raindrop source.</summary>
    public IReadOnlyList<string> Sources { get; }

    /// <summary>Whether spans of <paramref name="sourceName"/> are recorded and offered to this client.</summary>
    public bool Captures(string sourceName) =>
        sourceName == RaindropActivitySource.Name || RaindropActivitySource.Matches(sourceName, Sources);

    /// <summary>A processor exporting this client's spans (the owned provider's, or one for the app's provider).</summary>
    public RaindropSpanProcessor CreateProcessor()
    {
        var status = new ExportStatus();
        var otlp = new OtlpExporterOptions
        {
            Endpoint = _tracesUri,
            Protocol = OtlpExportProtocol.HttpProtobuf,
            // Retries happen below the exporter (ExportRetryHandler), bounded by MaxRetryDuration and the close deadline.
            TimeoutMilliseconds = (int)Math.Clamp(_options.MaxRetryDuration.TotalMilliseconds + _options.RequestTimeout.TotalMilliseconds, 1, int.MaxValue),
            HttpClientFactory = () => CreateHttpClient(status),
        };
        var exporter = new RaindropTraceExporter(new OtlpTraceExporter(otlp), status, _options.MaxBodyBytes, _logger, _time, _options.DebugLogs);
        var batch = new BatchActivityExportProcessor(
            exporter,
            maxQueueSize: MaxQueuedSpans,
            scheduledDelayMilliseconds: (int)Math.Clamp(_options.FlushInterval.TotalMilliseconds, 10, 5000),
            exporterTimeoutMilliseconds: otlp.TimeoutMilliseconds,
            maxExportBatchSize: 512);
        var processor = new RaindropSpanProcessor(_client, batch, exporter, this, _options.ExportAllSpans);
        lock (_processors)
        {
            _processors.Add(processor);
        }

        return processor;
    }

    /// <summary>Exports finished spans now, off the caller's thread; true when every processor exported within <paramref name="timeout"/>.</summary>
    public Task<bool> FlushAsync(TimeSpan timeout)
    {
        var processors = Snapshot();
        if (processors.Length == 0)
        {
            return Task.FromResult(true);
        }

        var ms = ToMilliseconds(timeout);
        return Task.Run(() =>
        {
            var all = true;
            foreach (var p in processors)
            {
                all &= p.ForceFlush(ms);
            }

            return all;
        });
    }

    /// <summary>Exports what is left and stops, within <paramref name="timeout"/> (real time), never longer.</summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        var ms = ToMilliseconds(timeout);
        var work = Task.Run(() =>
        {
            // The owned provider shuts its processor down; processors handed to the app's provider are shut here.
            if (_provider is not null)
            {
                _provider.Shutdown(ms);
                return;
            }

            foreach (var p in Snapshot())
            {
                p.Shutdown(ms);
            }
        });
        try
        {
            await work.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The deadline wins; spans not exported by now are dropped.
        }
        finally
        {
            _closing.Cancel(); // an export still retrying gives up now
        }

        // Spans the deadline left in the batch processor's queue never reach the exporter, and failures since its last
        // rate-limited warning are not named yet: all are counted here (WIRE.md §5: dropped, counted and logged).
        var lost = Snapshot().Sum(static p => p.TakeUnreported());
        if (lost > 0)
        {
            LogSpansNotExported(_logger, lost);
        }
    }

    public void Dispose()
    {
        _sampling?.Dispose();
        _provider?.Dispose();
        _closing.Cancel();
    }

    private static string ServiceName() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "raindrop-dotnet-app";

    private static int ToMilliseconds(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

    private RaindropSpanProcessor[] Snapshot()
    {
        lock (_processors)
        {
            return [.. _processors];
        }
    }

    private HttpClient CreateHttpClient(ExportStatus status)
    {
        // The app's HTTP stack when it gave one (WIRE.md §7): its client, else its handler. An app's handler is not
        // ours to dispose (the wrapper is left undisposed with it); our own one is.
        var appOwned = _options.HttpClient is not null || _options.HttpMessageHandler is not null;
        HttpMessageHandler transport = _options.HttpClient is { } app
            ? new AppHttpClientHandler(app)
            : _options.HttpMessageHandler
            ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        var retrying = new ExportRetryHandler(transport, RetryPolicy.Create(_options, _time), status, _closing.Token);
        var client = new HttpClient(new SdkUserAgentHandler(retrying), disposeHandler: !appOwned) { Timeout = Timeout.InfiniteTimeSpan };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _options.WriteKey);
        if (_options.ProjectId is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("X-Raindrop-Project-Id", _options.ProjectId);
        }

        return client;
    }

    [LoggerMessage(405, LogLevel.Warning, "Raindrop closed with {Count} span(s) not exported: still queued at the close deadline, over the span queue's bound, or failed since the last report.")]
    private static partial void LogSpansNotExported(ILogger logger, long count);

    [LoggerMessage(404, LogLevel.Error, "Raindrop could not start its OpenTelemetry pipeline; spans will not be exported (events are unaffected).")]
    private static partial void LogProviderFailed(ILogger logger, Exception exception);
}
