using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Raindrop.Tracing;

/// <summary>
/// A client's span export to <c>{scheme://host}/v1/traces</c>: its own provider (built on the first span, see
/// <see cref="OwnedProvider"/>) or, with <c>UseExternalOpenTelemetry</c>, the processors handed to the app's provider
/// with <c>AddRaindrop</c>; and flushing and shutting them down inside the client's deadlines. Its constructor,
/// flush and close name none of OpenTelemetry's SDK types (those live in <see cref="SpanProcessors"/> and the
/// provider's build), so a client that never exports a span never loads the OpenTelemetry pipeline.
/// </summary>
internal sealed class TraceExport : IDisposable
{
    private readonly RaindropClient _client;
    private readonly RaindropOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly OwnedProvider? _owned;
    private readonly ActivityListener? _sampling;
    private readonly Uri _baseUri;
    private SpanProcessors? _processors;

    public TraceExport(RaindropClient client, RaindropOptions options, Uri baseUri, TimeProvider time, ILogger logger)
    {
        _client = client;
        _options = options;
        _time = time;
        _logger = logger;
        _baseUri = baseUri;
        // The defaults are immutable; the app's list is copied by hand: a spread of an IList loads System.Linq, which
        // costs a client's constructor milliseconds.
        Sources = RaindropActivitySource.DefaultInstrumentedSources;
        if (options.InstrumentedSources is { } sources)
        {
            var copy = new string[sources.Count];
            sources.CopyTo(copy, 0);
            Sources = copy;
        }
        if (client.IsEnabled && !options.UseExternalOpenTelemetry)
        {
            _owned = new OwnedProvider(client, this, Sources, logger);
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

    public IReadOnlyList<string> Sources { get; }

    /// <summary>Whether the client's own provider was ever started (by a span); false with an external provider.</summary>
    internal bool ProviderStarted => _owned?.BuildStarted ?? false;

    /// <summary>The client's own provider, built on the first span; null with an external one (or when disabled).</summary>
    internal OwnedProvider? Owned => _owned;

    /// <summary>The processors' home, made on first use (it is the part that loads OpenTelemetry).</summary>
    private SpanProcessors Processors
    {
        get
        {
            var processors = Volatile.Read(ref _processors);
            if (processors is null)
            {
                // {scheme://host}/v1/traces (WIRE.md §7), worked out here: a Uri costs the constructor milliseconds.
                var tracesUri = new Uri(_baseUri.GetLeftPart(UriPartial.Authority) + "/v1/traces");
                Interlocked.CompareExchange(ref _processors, new SpanProcessors(_client, _options, tracesUri, Sources, _time, _logger), null);
                processors = _processors;
            }

            return processors;
        }
    }

    /// <summary>A processor exporting this client's spans, for the app's own provider.</summary>
    public RaindropSpanProcessor CreateProcessor() => Processors.Create(handingOff: false);

    /// <summary>The owned provider's processor, which takes the spans that ended before it was built.</summary>
    internal RaindropSpanProcessor CreateOwnedProcessor() => Processors.Create(handingOff: true);

    /// <summary>
    /// Exports finished spans now, off the caller's thread; true when every processor exported within
    /// <paramref name="timeout"/>.
    /// </summary>
    public async Task<bool> FlushAsync(TimeSpan timeout)
    {
        if (_owned is not null)
        {
            await _owned.WhenBuilt.ConfigureAwait(false); // spans that ended before it listened are handed to it as it is built
        }

        if (Volatile.Read(ref _processors) is not { } processors)
        {
            return true;
        }

        var ms = ToMilliseconds(timeout);
        return await Task.Run(() => processors.ForceFlush(ms), CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Exports what is left and stops, within <paramref name="timeout"/>, never longer.</summary>
    public async Task ShutdownAsync(TimeSpan timeout)
    {
        var ms = ToMilliseconds(timeout);
        var work = Task.Run(async () =>
        {
            if (_owned is not null)
            {
                await _owned.ShutdownAsync(ms).ConfigureAwait(false);
            }

            Volatile.Read(ref _processors)?.Shutdown(ms);
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
        _owned?.Dispose();
    }

    private static int ToMilliseconds(TimeSpan timeout) => (int)Math.Clamp(timeout.TotalMilliseconds, 0, int.MaxValue);
}
