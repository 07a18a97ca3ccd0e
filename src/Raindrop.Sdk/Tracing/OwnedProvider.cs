using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Raindrop.Tracing;

/// <summary>
/// The client's own <see cref="TracerProvider"/> (unless <see cref="RaindropOptions.UseExternalOpenTelemetry"/>),
/// built on a pool thread when the first span of a listened source starts: building it compiles hundreds of
/// OpenTelemetry methods, which neither the constructor nor the app's thread should pay, nor a process that never
/// makes a span. <see cref="EarlySpans"/> listens from the constructor until the provider does, so no span is lost.
/// </summary>
internal sealed partial class OwnedProvider : IDisposable
{
    private const int Idle = 0;
    private const int Started = 1;
    private const int ClosedUnstarted = 2;

    private readonly TraceExport _export;
    private readonly IReadOnlyList<string> _sources;
    private readonly ILogger _logger;
    private readonly EarlySpans _early;
    private readonly TaskCompletionSource _built = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The TracerProvider once built, typed loosely so that only the build and ShutdownBuilt name OpenTelemetry's
    // types: the paths every client runs (start, flush, close) then never load its assemblies.
    private IDisposable? _provider;
    private int _state;
    private int _disposed;

    public OwnedProvider(RaindropClient client, TraceExport export, IReadOnlyList<string> sources, ILogger logger)
    {
        _export = export;
        _sources = sources;
        _logger = logger;
        _early = new EarlySpans(client, sources, Start);
    }

    /// <summary>Whether a span ever started the build (a test hook as much as a fact).</summary>
    public bool BuildStarted => Volatile.Read(ref _state) == Started;

    /// <summary>Whether the provider is built and listening.</summary>
    public bool Built => Volatile.Read(ref _provider) is not null;

    /// <summary>Test hook: the build waits for it, so a test can end spans before the provider exists.</summary>
    internal ManualResetEventSlim? BuildGate { get; set; }

    /// <summary>Completes once the provider is built and listening (at once when it was never started).</summary>
    public Task WhenBuilt => Volatile.Read(ref _state) == Idle ? Task.CompletedTask : _built.Task;

    /// <summary>Exports what is left and stops (blocking); a provider never started is never built from now on.</summary>
    public async Task ShutdownAsync(int timeoutMilliseconds)
    {
        if (CloseUnstarted())
        {
            return;
        }

        await _built.Task.ConfigureAwait(false);
        if (Volatile.Read(ref _provider) is { } provider)
        {
            ShutdownBuilt(provider, timeoutMilliseconds);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || CloseUnstarted())
        {
            return;
        }

        // Being built: disposed as soon as it is (the build itself is never interrupted halfway).
        _ = _built.Task.ContinueWith(static (_, self) => Volatile.Read(ref ((OwnedProvider)self!)._provider)?.Dispose(), this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    [MethodImpl(MethodImplOptions.NoInlining)] // keeps OpenTelemetry's types out of the caller's compilation
    private static void ShutdownBuilt(IDisposable provider, int timeoutMilliseconds) => ((TracerProvider)provider).Shutdown(timeoutMilliseconds);

    private static string ServiceName() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Name ?? "raindrop-dotnet-app";

    /// <summary>True when no span ever started: then nothing is built, ever, and the early listener stops.</summary>
    private bool CloseUnstarted()
    {
        if (Interlocked.CompareExchange(ref _state, ClosedUnstarted, Idle) != Idle)
        {
            return Volatile.Read(ref _state) == ClosedUnstarted;
        }

        _early.Dispose();
        _built.TrySetResult();
        return true;
    }

    /// <summary>Called by the early listener on the app's thread for every span: after the first, one read and out.</summary>
    private void Start()
    {
        if (Volatile.Read(ref _state) != Idle || Interlocked.CompareExchange(ref _state, Started, Idle) != Idle)
        {
            return;
        }

        try
        {
            // An unsafe work item runs on the default ExecutionContext: nothing of the app's flow (its current
            // Activity, its interaction) reaches the build or the export thread it starts (WIRE.md §7).
            ThreadPool.UnsafeQueueUserWorkItem(static self => self.Build(), this, preferLocal: false);
        }
        catch (Exception ex)
        {
            // Never the app's problem (this runs inside its StartActivity); spans are then not exported.
            Fail(ex);
        }
    }

    private void Build()
    {
        try
        {
            BuildGate?.Wait();
            var builder = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(ServiceName()))
                .AddSource(RaindropActivitySource.Name);
            foreach (var source in _sources)
            {
                builder.AddSource(source);
            }

            var processor = _export.CreateOwnedProcessor();
            var provider = builder.AddProcessor(processor).Build();
            Volatile.Write(ref _provider, provider);
            _early.HandOff(processor);
            _built.TrySetResult();
        }
        catch (Exception ex)
        {
            // Never the app's problem: without a provider the client still sends events, and says why spans are not.
            Fail(ex);
        }
    }

    private void Fail(Exception ex)
    {
        _early.Dispose();
        LogProviderFailed(_logger, ex);
        _built.TrySetResult();
    }

    [LoggerMessage(403, LogLevel.Error, "Raindrop could not start its OpenTelemetry pipeline; spans will not be exported (events are unaffected).")]
    private static partial void LogProviderFailed(ILogger logger, Exception exception);
}
