using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Raindrop.Tracing;

/// <summary>
/// A client's span export: the processors it made (its own <see cref="TracerProvider"/>'s, or the ones handed to
/// the app's provider with <c>AddRaindrop</c>), their OTLP/HTTP protobuf exporters to <c>{scheme://host}/v1/traces</c>,
/// and flushing and shutting them down inside the client's deadlines.
/// </summary>
internal sealed partial class TraceExport : IDisposable
{
    private readonly RaindropClient _client;
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly List<RaindropSpanProcessor> _processors = [];
    private readonly Task<TracerProvider?> _provider;
    private readonly ActivityListener? _sampling;

    public TraceExport(RaindropClient client, RaindropOptions options, Uri baseUri, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        TracesUri = new Uri(baseUri.GetLeftPart(UriPartial.Authority) + "/v1/traces");
        Sources = options.InstrumentedSources?.ToArray() ?? [.. RaindropActivitySource.DefaultInstrumentedSources];
        // Building the provider is most of a client's start-up: it is built in the background while EarlySpans listens,
        // so no span (ours, or an AI library's) started meanwhile is lost, and the constructor returns in milliseconds.
        if (client.IsEnabled && !options.UseExternalOpenTelemetry)
        {
            var early = new EarlySpans(client, Sources);
            _provider = Task.Run(() => BuildProvider(early));
        }
        else
        {
            _provider = Task.FromResult<TracerProvider?>(null);
        }
        if (client.IsEnabled && options.UseExternalOpenTelemetry)
        {
            // The client's own rule decides for its spans (WIRE.md §7), not the app's sampler: an ActivitySource takes
            // the most permissive answer of its listeners, so this one keeps an app's ratio sampler from dropping an
            // interaction's root (and with it every span of the interaction).
            _sampling = new ActivityListener
            {
                ShouldListenTo = static source => source.Name == RaindropActivitySource.Name,
                Sample = static (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            };
            ActivitySource.AddActivityListener(_sampling);
        }
    }

    public Uri TracesUri { get; }

    public IReadOnlyList<string> Sources { get; }

    /// <summary>A processor exporting this client's spans, for the app's own provider (or ours).</summary>
    public RaindropSpanProcessor CreateProcessor() => CreateProcessor(handingOff: false);

    private RaindropSpanProcessor CreateProcessor(bool handingOff)
    {
        var otlp = new OtlpExporterOptions
        {
            Endpoint = TracesUri,
            Protocol = OtlpExportProtocol.HttpProtobuf,
            TimeoutMilliseconds = (int)Math.Min(_options.RequestTimeout.TotalMilliseconds, 10_000),
            HttpClientFactory = CreateHttpClient,
        };
        var exporter = new RaindropTraceExporter(new OtlpTraceExporter(otlp), _logger, _time);
        var batch = new BatchActivityExportProcessor(
            exporter,
            maxQueueSize: 8192,
            scheduledDelayMilliseconds: (int)Math.Clamp(_options.FlushInterval.TotalMilliseconds, 10, 5000),
            exporterTimeoutMilliseconds: otlp.TimeoutMilliseconds,
            maxExportBatchSize: 512);
        var processor = new RaindropSpanProcessor(_client, batch, Sources, _options.ExportAllSpans, handingOff);
        lock (_processors)
        {
            _processors.Add(processor);
        }

        return processor;
    }

    /// <summary>
    /// Exports finished spans now, off the caller's thread; true when every processor exported within
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        await _provider.ConfigureAwait(false); // spans that ended before it listened are handed to it as it is built
        var processors = Snapshot();
        if (processors.Length == 0)
        {
            return true;
        }

        var ms = ToMilliseconds(timeout);
        return await Task.Run(
            () =>
            {
                var all = true;
                foreach (var p in processors)
                {
                    all &= p.ForceFlush(ms);
                }

                return all;
            },
            CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Exports what is left and stops, within <paramref name="timeout"/>, never longer.</summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        var ms = ToMilliseconds(timeout);
        var work = Task.Run(async () =>
        {
            var provider = await _provider.ConfigureAwait(false);
            provider?.Shutdown(ms);
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
    }

    public void Dispose()
    {
        _sampling?.Dispose();
        _ = _provider.ContinueWith(static t => t.Result?.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private TracerProvider? BuildProvider(EarlySpans early)
    {
        var builder = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ServiceName()))
            .AddSource(RaindropActivitySource.Name);
        foreach (var source in Sources)
        {
            builder.AddSource(source);
        }

        try
        {
            var processor = CreateProcessor(handingOff: true);
            var provider = builder.AddProcessor(processor).Build();
            early.HandOff(processor);
            return provider;
        }
        catch (Exception ex)
        {
            // Never the app's problem: without a provider the client still sends events, and says why spans are not.
            early.Dispose();
            LogProviderFailed(_logger, ex);
            return null;
        }
    }

    private static int ToMilliseconds(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);

    private static string ServiceName() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "raindrop-dotnet-app";

    private RaindropSpanProcessor[] Snapshot()
    {
        lock (_processors)
        {
            return [.. _processors];
        }
    }

    private HttpClient CreateHttpClient()
    {
        // The app's HTTP stack when it gave one (WIRE.md §7): its client, else its handler. An app's handler is not
        // ours to dispose (the wrapper is left undisposed with it); our own one is.
        var client = _options.HttpClient is { } app
            ? new HttpClient(new SdkUserAgentHandler(new AppHttpClientHandler(app)))
            : _options.HttpMessageHandler is { } handler
            ? new HttpClient(new SdkUserAgentHandler(handler), disposeHandler: false)
            : new HttpClient(new SdkUserAgentHandler(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionLifetime = TimeSpan.FromMinutes(5) }));
        client.Timeout = Timeout.InfiniteTimeSpan;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _options.WriteKey);
        if (_options.ProjectId is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("X-Raindrop-Project-Id", _options.ProjectId);
        }

        return client;
    }

    [LoggerMessage(403, LogLevel.Error, "Raindrop could not start its OpenTelemetry pipeline; spans will not be exported (events are unaffected).")]
    private static partial void LogProviderFailed(ILogger logger, Exception exception);
}
