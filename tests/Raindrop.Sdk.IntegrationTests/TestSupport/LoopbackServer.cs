using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>
/// A Kestrel server on 127.0.0.1 (a free port) with one catch-all handler, logging off. The base of the fake OpenAI
/// server and both sinks. Its port is remembered so the app's own ASP.NET Core instrumentation (host b) can leave
/// these servers' requests out: in a real deployment they are other processes.
/// </summary>
public abstract class LoopbackServer : IAsyncDisposable
{
    private static readonly ConcurrentDictionary<int, byte> Ports = new();
    private readonly WebApplication _app;

    protected LoopbackServer()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Run(HandleAsync);
        _app.StartAsync().GetAwaiter().GetResult();
        Url = _app.Urls.First().TrimEnd('/');
        Port = new Uri(Url).Port;
        Ports.TryAdd(Port, 0);
    }

    /// <summary>Whether a port is one of the test's fake servers (not the app under test).</summary>
    public static bool IsTestServerPort(int port) => Ports.ContainsKey(port);

    /// <summary><c>http://127.0.0.1:port</c>, no trailing slash.</summary>
    public string Url { get; }

    public int Port { get; }

    protected abstract Task HandleAsync(HttpContext context);

    protected static async Task<byte[]> ReadBodyAsync(HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Ports.TryRemove(Port, out _);
        GC.SuppressFinalize(this);
    }
}
