using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Quickstart;

/// <summary>
/// A tiny stand-in for the Raindrop API on http://127.0.0.1:&lt;free port&gt;/: it prints every request it gets
/// (<c>POST /v1/&lt;route&gt;</c> and the indented JSON body) and answers success, so the quickstart can run
/// without a write key and show exactly what the SDK sends.
/// </summary>
internal sealed class LocalSink : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;
    private int _requests;

    private LocalSink(int port)
    {
        Url = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add(Url + "/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>The sink's base URL, without a trailing slash.</summary>
    public string Url { get; }

    /// <summary>How many requests the sink has answered.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Starts a sink on a free loopback port.</summary>
    /// <returns>The running sink.</returns>
    public static LocalSink Start()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new LocalSink(port);
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        await _loop;
        _listener.Close();
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (!_listener.IsListening)
            {
                return; // stopped
            }

            try
            {
                Print(context.Request);
                var isTraces = context.Request.Url?.AbsolutePath.EndsWith("/traces", StringComparison.Ordinal) == true;
                context.Response.StatusCode = isTraces ? 200 : 204;
                if (isTraces)
                {
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync("{}"u8.ToArray());
                }
            }
            catch (Exception ex)
            {
                Console.Error.WriteLine($"local sink: {ex.Message}");
                context.Response.StatusCode = 500;
            }
            finally
            {
                Interlocked.Increment(ref _requests);
                context.Response.Close();
            }
        }
    }

    private static void Print(HttpListenerRequest request)
    {
        Stream body = request.InputStream;
        if (string.Equals(request.Headers["Content-Encoding"], "gzip", StringComparison.OrdinalIgnoreCase))
        {
            body = new GZipStream(body, CompressionMode.Decompress);
        }

        using var buffer = new MemoryStream();
        body.CopyTo(buffer);
        var text = new StringBuilder().Append(request.HttpMethod).Append(' ').Append(request.Url?.AbsolutePath).AppendLine();
        try
        {
            using var json = JsonDocument.Parse(buffer.ToArray());
            using var pretty = new MemoryStream();
            // Indented, but with the characters as the SDK sent them: the default encoder would re-escape ' < > &
            // and non-ASCII text as \uXXXX, which the SDK itself does not do.
            using (var writer = new Utf8JsonWriter(pretty, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                json.WriteTo(writer);
            }

            text.AppendLine(Encoding.UTF8.GetString(pretty.ToArray()));
        }
        catch (JsonException)
        {
            text.AppendLine($"({buffer.Length} bytes of {request.ContentType ?? "unknown content"})");
        }

        Console.Write(text.AppendLine().ToString());
    }
}
