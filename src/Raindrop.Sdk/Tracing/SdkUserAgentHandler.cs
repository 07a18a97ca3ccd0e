namespace Raindrop.Tracing;

/// <summary>
/// Puts the SDK's <c>User-Agent</c> first on trace exports (WIRE.md §1: every request names the SDK); the OTLP
/// exporter sets its own on each request, which is kept after ours.
/// </summary>
internal sealed class SdkUserAgentHandler : DelegatingHandler
{
    public SdkUserAgentHandler(HttpMessageHandler inner)
        : base(inner)
    {
    }

    // The OTLP exporter sends synchronously; both paths are covered.
    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Stamp(request);
        return base.Send(request, cancellationToken);
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Stamp(request);
        return base.SendAsync(request, cancellationToken);
    }

    private static void Stamp(HttpRequestMessage request)
    {
        var exporter = request.Headers.UserAgent.ToString();
        if (exporter.StartsWith(SdkInfo.Name, StringComparison.Ordinal))
        {
            return;
        }

        request.Headers.UserAgent.Clear();
        request.Headers.TryAddWithoutValidation("User-Agent", exporter.Length == 0 ? SdkInfo.UserAgent : SdkInfo.UserAgent + " " + exporter);
    }
}
