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

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var exporter = request.Headers.UserAgent.ToString();
        request.Headers.UserAgent.Clear();
        request.Headers.TryAddWithoutValidation("User-Agent", string.IsNullOrEmpty(exporter) || exporter.Contains(SdkInfo.Name, StringComparison.Ordinal) ? SdkInfo.UserAgent : SdkInfo.UserAgent + " " + exporter);
        return base.SendAsync(request, cancellationToken);
    }
}
