using Polly;
using Raindrop.Delivery;

namespace Raindrop.Tracing;

/// <summary>
/// Retries OTLP trace exports under the same rule as events (<see cref="RetryPolicy"/>, WIRE.md §7 "Trace export is
/// delivered like events"): the exporter's body is read once and every attempt sends those same bytes in a new request
/// (a request message can be sent only once). The close deadline cancels a retrying export through
/// <paramref name="closing"/>.
/// </summary>
internal sealed class ExportRetryHandler(HttpMessageHandler inner, ResiliencePipeline<HttpResponseMessage> pipeline, CancellationToken closing)
    : DelegatingHandler(inner)
{
    // The OTLP exporter sends synchronously on its own export thread, which may wait here.
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closing);
        var context = RetryPolicy.Rent(counters: null, linked.Token);
        try
        {
            var outcome = await pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    using var attempt = Copy(state.Request, state.Body);
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
                (Self: this, Request: request, Body: body)).ConfigureAwait(false);
            outcome.ThrowIfException();
            return outcome.Result!;
        }
        finally
        {
            RetryPolicy.Return(context);
        }
    }

    private Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        base.SendAsync(request, cancellationToken);

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version, VersionPolicy = request.VersionPolicy };
        foreach (var header in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var header in request.Content!.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
        }

        return copy;
    }
}
