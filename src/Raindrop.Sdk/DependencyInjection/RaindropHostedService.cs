using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Raindrop.DependencyInjection;

/// <summary>
/// Creates the registered client when the host starts (so it listens for spans and sends from the first request)
/// and, after every other hosted service has stopped (so what in-flight requests tracked while the server drained
/// is included), flushes and disposes it within <see cref="RaindropOptions.CloseTimeout"/>.
/// </summary>
internal sealed class RaindropHostedService : IHostedLifecycleService
{
    private readonly IServiceProvider _services;
    private readonly object? _serviceKey;
    private RaindropClient? _client;

    public RaindropHostedService(IServiceProvider services, object? serviceKey)
    {
        _services = services;
        _serviceKey = serviceKey;
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _client = _serviceKey is null
            ? _services.GetRequiredService<RaindropClient>()
            : _services.GetRequiredKeyedService<RaindropClient>(_serviceKey);
        if (_serviceKey is null && _client.CapturesChatClients && !ChatClientCaptureHook.Available)
        {
            Diagnostics.Log.CaptureChatClientsNeedsPackage(_client.Logger);
        }

        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        if (_client is null)
        {
            return;
        }

        // Drains everything queued and the unfinished interactions within CloseTimeout, or less when the host's own
        // shutdown timeout ends first: then what is left is dropped and counted, and the host still stops cleanly (an
        // exception here would make the host's StopAsync throw). The container's later dispose is a no-op.
        try
        {
            await _client.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Diagnostics.Log.BackgroundError(_client.Logger, ex);
        }
    }
}
