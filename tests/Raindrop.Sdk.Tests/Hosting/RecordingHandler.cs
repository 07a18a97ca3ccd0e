using System.Collections.Concurrent;

namespace Raindrop.Sdk.Tests.Hosting;

/// <summary>A DelegatingHandler an app adds to the named "Raindrop" HttpClient; records each request's path.</summary>
internal sealed class RecordingHandler : DelegatingHandler
{
    private readonly ConcurrentQueue<string> _paths;

    public RecordingHandler(ConcurrentQueue<string> paths) => _paths = paths;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _paths.Enqueue(request.RequestUri!.AbsolutePath);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        _paths.Enqueue(request.RequestUri!.AbsolutePath);
        return base.Send(request, cancellationToken);
    }
}
