using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;

namespace Raindrop.Tracing;

/// <summary>
/// The span processors a client made (its own provider's, or the ones handed to the app's provider with
/// <c>AddRaindrop</c>), each batching into an OTLP/HTTP protobuf exporter to <c>/v1/traces</c>, and flushing and
/// shutting them all down. The only part of the span export that names OpenTelemetry's types: it is created with
/// the first processor, so a client that never exports a span never loads OpenTelemetry.
/// </summary>
internal sealed class SpanProcessors
{
    private readonly RaindropClient _client;
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Uri _tracesUri;
    private readonly IReadOnlyList<string> _sources;
    private readonly List<RaindropSpanProcessor> _processors = [];

    public SpanProcessors(RaindropClient client, RaindropOptions options, Uri tracesUri, IReadOnlyList<string> sources, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _tracesUri = tracesUri;
        _sources = sources;
        _time = time;
        _logger = logger;
    }

    /// <summary>A new processor exporting this client's spans; <paramref name="handingOff"/> for the owned provider's, which takes the early spans.</summary>
    public RaindropSpanProcessor Create(bool handingOff)
    {
        var otlp = new OtlpExporterOptions
        {
            Endpoint = _tracesUri,
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
        var processor = new RaindropSpanProcessor(_client, batch, _sources, _options.ExportAllSpans, handingOff);
        lock (_processors)
        {
            _processors.Add(processor);
        }

        return processor;
    }

    /// <summary>Exports every processor's finished spans (blocking); true when all did within the timeout.</summary>
    public bool ForceFlush(int timeoutMilliseconds)
    {
        var all = true;
        foreach (var p in Snapshot())
        {
            all &= p.ForceFlush(timeoutMilliseconds);
        }

        return all;
    }

    /// <summary>Exports what is left and stops every processor (blocking).</summary>
    public void Shutdown(int timeoutMilliseconds)
    {
        foreach (var p in Snapshot())
        {
            p.Shutdown(timeoutMilliseconds);
        }
    }

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
}
