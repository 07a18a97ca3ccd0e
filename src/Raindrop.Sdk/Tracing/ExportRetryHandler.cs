using Polly;
using Raindrop.Delivery;

namespace Raindrop.Tracing;

/// <summary>
/// Retries OTLP trace exports under the same rule as events (<see cref="RetryPolicy"/>, WIRE.md §7 "Trace export is
/// delivered like events"): every attempt is a new request message (one can be sent only once) over the exporter's
/// own content, which holds the same bytes for as long as the export runs, so nothing is copied. The close deadline
/// cancels a retrying export through <paramref name="closing"/>.
/// </summary>
internal sealed class ExportRetryHandler(HttpMessageHandler inner, ResiliencePipeline<HttpResponseMessage> pipeline, ExportStatus status, CancellationToken closing)
    : DelegatingHandler(inner)
{
    // The OTLP exporter sends synchronously on its own export thread, which may wait here.
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Content is { } content and not (ReadOnlyMemoryContent or ByteArrayContent))
        {
            // A stream read once is read again from the buffer.
#if NET9_0_OR_GREATER
            await content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
#else
            await content.LoadIntoBufferAsync().ConfigureAwait(false);
#endif
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closing);
        var context = RetryPolicy.Rent(counters: null, linked.Token);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    var attempt = Copy(state.Request); // not disposed: that would dispose the content the next attempt sends
                    try
                    {
                        return Outcome.FromResult(await state.Self.SendOnceAsync(attempt, ctx.CancellationToken).ConfigureAwait(false));
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Self: this, Request: request)).ConfigureAwait(false);
            outcome.ThrowIfException();
            status.Answered((int)outcome.Result!.StatusCode);
            return outcome.Result;
        }
        finally
        {
            RetryPolicy.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private static HttpRequestMessage Copy(HttpRequestMessage request)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy, Content = request.Content };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        return copy;
    }
}
