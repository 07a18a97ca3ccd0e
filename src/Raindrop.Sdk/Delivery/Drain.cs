using Microsoft.Extensions.Logging;
using Raindrop.Diagnostics;

namespace Raindrop.Delivery;

/// <summary>
/// Flush and close of a client's three sources of data, each under one deadline (WIRE.md §5): pending interaction
/// updates, the delivery routes and the span export. Every stage is contained, so one that fails cannot skip the
/// ones after it, and neither call throws but for the caller's own token.
/// </summary>
internal sealed class Drain(Interactions.InteractionRegistry interactions, DeliveryPipeline pipeline, Tracing.TraceExport spans, TimeProvider time, ILogger logger)
{
    /// <summary>True when everything queued before the call was delivered or permanently rejected within <paramref name="timeout"/>.</summary>
    public async Task<bool> FlushAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Contain(interactions.FlushPending);
        var done = Task.WhenAll(pipeline.FlushAsync(), spans.FlushAsync(timeout));
        try
        {
            // The deadline only stops the wait: nothing is cancelled or dropped.
            var results = await done.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return results[1];
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends unfinished interactions as pending, then drains events and spans side by side within <paramref name="timeout"/>.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        try
        {
            await interactions.CloseAllAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            Log.BackgroundError(logger, ex);
        }

        try
        {
            await Task.WhenAll(pipeline.CloseAsync(timeout), spans.ShutdownAsync(timeout)).ConfigureAwait(false);
            pipeline.Dispose();
        }
        catch (Exception ex)
        {
            Log.BackgroundError(logger, ex);
        }
    }

    private void Contain(Action stage)
    {
        try
        {
            stage();
        }
        catch (Exception ex)
        {
            Log.BackgroundError(logger, ex);
        }
    }
}
