using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using Polly;

namespace Raindrop.Delivery;

/// <summary>
/// Sends one request body to one route: the only type that knows HTTP. Retries are <see cref="RetryPolicy"/>'s (the same
/// bytes on every attempt); the result is a <see cref="SendOutcome"/>, and nothing is called back.
/// </summary>
internal sealed class HttpTransport : IDisposable
{
    private const int ExcerptChars = 300;

    private readonly HttpClient? _appClient;
    private readonly HttpMessageInvoker _http; // the app's HttpClient, or our handler without HttpClient's per-request layer
    private readonly string? _authorization; // formatted once, added unvalidated to every request
    private readonly string? _projectId;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri[] _uris; // by Route.Index
    private ExecutionContext? _quiet;

    public HttpTransport(RaindropOptions options, Uri baseUri, TimeProvider time)
    {
        _uris = Array.ConvertAll(Route.All, r => new Uri(baseUri, r.Path));
        _projectId = options.ProjectId;
        _authorization = string.IsNullOrEmpty(options.WriteKey) ? null : new AuthenticationHeaderValue("Bearer", options.WriteKey).ToString();
        _appClient = options.HttpClient;
        _http = _appClient ?? new HttpMessageInvoker(
            options.HttpMessageHandler ?? new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = Math.Max(8, options.MaxConcurrentRequests * 4),
                AutomaticDecompression = DecompressionMethods.None,
                AllowAutoRedirect = false, // a redirect drops the Authorization header, so following one can never succeed
            },
            disposeHandler: options.HttpMessageHandler is null);
        _pipeline = RetryPolicy.Create(options, time);
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="route"/>, retrying until the close deadline at most; never throws.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<SendOutcome> SendAsync(Route route, RequestBody body, RetryCounters counters, CancellationToken cancellationToken)
    {
        var context = RetryPolicy.Rent(counters, cancellationToken);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(AttemptAsync, context, (Self: this, Uri: _uris[route.Index], Body: body)).ConfigureAwait(false);
            if (outcome.Exception is { } ex)
            {
                return cancellationToken.IsCancellationRequested
                    ? new SendOutcome(SendStatus.Cancelled, Exception: ex)
                    : new SendOutcome(SendStatus.GaveUp, Detail: ex.GetType().Name + ": " + ex.Message, Exception: ex);
            }

            using var response = outcome.Result!;
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return new SendOutcome(SendStatus.Delivered, code); // the body is ignored (WIRE.md §1)
            }

            var excerpt = await ReadExcerptAsync(response, cancellationToken).ConfigureAwait(false);
            return code == 413 ? new SendOutcome(SendStatus.TooLarge, code, excerpt)
                : !RetryPolicy.IsTransientStatus(code) ? new SendOutcome(SendStatus.Rejected, code, excerpt)
                : cancellationToken.IsCancellationRequested ? new SendOutcome(SendStatus.Cancelled, code, excerpt)
                : new SendOutcome(SendStatus.GaveUp, code, excerpt);
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome(SendStatus.Cancelled, Exception: ex);
        }
        catch (Exception ex)
        {
            return new SendOutcome(SendStatus.GaveUp, Detail: ex.Message, Exception: ex);
        }
        finally
        {
            RetryPolicy.Return(context);
        }
    }

    public void Dispose()
    {
        if (_appClient is null)
        {
            _http.Dispose();
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Outcome<HttpResponseMessage>> AttemptAsync(ResilienceContext context, (HttpTransport Self, Uri Uri, RequestBody Body) state)
    {
        // The SDK's own requests stay out of the app's telemetry (WIRE.md §7): an attempt runs in one context made once,
        // with no ambient span and OpenTelemetry instrumentation suppressed; its caller's context is back when it returns.
        ExecutionContext.Restore(state.Self._quiet ??= QuietContext());

        // A request message can be sent only once: every attempt gets a new one over the same bytes.
        using var request = state.Self.CreateRequest(state.Uri, state.Body);
        try
        {
            var response = state.Self._appClient is { } app
                ? app.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.CancellationToken)
                : state.Self._http.SendAsync(request, context.CancellationToken);
            return Outcome.FromResult(await response.ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            return Outcome.FromException<HttpResponseMessage>(ex);
        }
    }

    private static ExecutionContext QuietContext()
    {
        using (OpenTelemetry.SuppressInstrumentationScope.Begin())
        {
            Activity.Current = null;
            return ExecutionContext.Capture()!; // on a worker's flow: clean, and never flow-suppressed
        }
    }

    private static async Task<string> ReadExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            return text.Length <= ExcerptChars ? text : text[..ExcerptChars] + "…";
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    private HttpRequestMessage CreateRequest(Uri uri, RequestBody body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new ReadOnlyMemoryContent(body.Content) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
        request.Headers.TryAddWithoutValidation("User-Agent", SdkInfo.UserAgent);
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }

        if (_projectId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Raindrop-Project-Id", _projectId);
        }

        return request;
    }
}
