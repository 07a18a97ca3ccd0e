namespace Raindrop.Tracing;

/// <summary>
/// Sends trace exports through the app's <see cref="HttpClient"/> (<see cref="RaindropOptions.HttpClient"/>: an
/// <c>IHttpClientFactory</c> client, a proxy, auth handlers), as the event routes do (WIRE.md §7). The OTLP exporter
/// needs an <see cref="HttpClient"/> of its own (it cancels that client's pending requests at shutdown, which must
/// never touch the app's client or the SDK's event sends), so it gets one over this handler. It sits below
/// <see cref="ExportRetryHandler"/>, whose every attempt is a new request no client has sent, so it is forwarded as is.
/// </summary>
internal sealed class AppHttpClientHandler : HttpMessageHandler
{
    private readonly HttpClient _app;

    public AppHttpClientHandler(HttpClient app) => _app = app;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _app.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        _app.Send(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
}
