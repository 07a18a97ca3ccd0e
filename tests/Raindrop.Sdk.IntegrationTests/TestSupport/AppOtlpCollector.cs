using Raindrop.Sdk.Tests.Tracing;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>The app's own APM backend: records the OTLP/HTTP protobuf exports of the app's OpenTelemetry (host b).</summary>
public sealed class AppOtlpCollector : LoopbackServer
{
    private readonly ConcurrentQueue<byte[]> _bodies = new();

    /// <summary>The OTLP traces endpoint to give the app's exporter.</summary>
    public Uri TracesEndpoint => new(Url + "/v1/traces");

    public IReadOnlyList<OtlpSpan> Spans => OtlpReader.ReadAll(_bodies);

    protected override async Task HandleAsync(HttpContext context)
    {
        var body = await ReadBodyAsync(context);
        if (context.Request.Path.Value?.EndsWith("/v1/traces", StringComparison.Ordinal) == true)
        {
            _bodies.Enqueue(body);
        }

        context.Response.StatusCode = StatusCodes.Status200OK;
    }
}
