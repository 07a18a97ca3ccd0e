using System.Net;
using System.Net.Http.Headers;
using Polly;

namespace Raindrop.Delivery;

/// <summary>
/// Sends one request body to one route: the only type that knows HTTP. Retries are <see cref="RetryPolicy"/>'s (same
/// bytes on every attempt); the result is a <see cref="SendOutcome"/>, and nothing is called back.
/// </summary>
internal sealed class HttpTransport : IDisposable
{
    private const int ExcerptChars = 300;

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly string? _projectId;
    private readonly TimeProvider _time;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri[] _uris; // one per route, by Route.Index

    public HttpTransport(RaindropOptions options, Uri baseUri, TimeProvider time)
    {
        _uris = Array.ConvertAll(Route.All, r => new Uri(baseUri, r.Path));
        _time = time;
        _projectId = options.ProjectId;
        _authorization = string.IsNullOrEmpty(options.WriteKey) ? null : new AuthenticationHeaderValue("Bearer", options.WriteKey);
        if (options.HttpClient is not null)
        {
            _http = options.HttpClient;
        }
        else
        {
            var handler = options.HttpMessageHandler ?? new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                MaxConnectionsPerServer = Math.Max(8, options.MaxConcurrentRequests * 4),
                AutomaticDecompression = DecompressionMethods.None,
            };
            _http = new HttpClient(handler, disposeHandler: options.HttpMessageHandler is null) { Timeout = Timeout.InfiniteTimeSpan };
            _ownsClient = true;
        }

        _pipeline = RetryPolicy.Create(options, time);
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="route"/>, retrying as <see cref="RetryPolicy"/> says; never throws.</summary>
    /// <param name="route">Where to send.</param>
    /// <param name="body">The bytes, sent unchanged on every attempt.</param>
    /// <param name="counters">The route's retry counts (read by its worker).</param>
    /// <param name="cancellationToken">The close deadline.</param>
    public async Task<SendOutcome> SendAsync(Route route, RequestBody body, RetryCounters counters, CancellationToken cancellationToken)
    {
        // The SDK's own requests stay out of the app's telemetry (WIRE.md §7): no ambient span to parent them or to
        // propagate, and OpenTelemetry instrumentation (HttpClient spans) suppressed for this flow.
        System.Diagnostics.Activity.Current = null;
        using var suppressed = OpenTelemetry.SuppressInstrumentationScope.Begin();
        var context = RetryPolicy.Rent(_time, counters, cancellationToken);
        try
        {
            var outcome = await _pipeline.ExecuteOutcomeAsync(
                static async (ctx, state) =>
                {
                    using var request = state.Self.CreateRequest(state.Uri, state.Body);
                    try
                    {
                        var response = await state.Self._http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ctx.CancellationToken).ConfigureAwait(false);
                        return Outcome.FromResult(response);
                    }
                    catch (Exception ex)
                    {
                        return Outcome.FromException<HttpResponseMessage>(ex);
                    }
                },
                context,
                (Self: this, Uri: _uris[route.Index], Body: body)).ConfigureAwait(false);

            if (outcome.Exception is not null)
            {
                return cancellationToken.IsCancellationRequested
                    ? new SendOutcome(SendStatus.Cancelled, Exception: outcome.Exception)
                    : new SendOutcome(SendStatus.GaveUp, Detail: outcome.Exception.GetType().Name + ": " + outcome.Exception.Message, Exception: outcome.Exception);
            }

            using var response = outcome.Result!;
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return new SendOutcome(SendStatus.Delivered, code);
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
        if (_ownsClient)
        {
            _http.Dispose();
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
        var request = new HttpRequestMessage(HttpMethod.Post, uri);
        var content = new ReadOnlyMemoryContent(body.Content);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Content = content;
        request.Headers.Authorization = _authorization;
        request.Headers.TryAddWithoutValidation("User-Agent", SdkInfo.UserAgent);
        if (_projectId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Raindrop-Project-Id", _projectId);
        }

        return request;
    }
}
