using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Raindrop.Delivery;

/// <summary>
/// Sends one request body to one route: the only type that knows HTTP. A Polly pipeline retries network
/// errors, timeouts, 408, 429 and 5xx with exponential backoff and jitter (or the server's
/// <c>Retry-After</c>, capped), each attempt under <c>RequestTimeout</c>, for at most
/// <c>MaxRetryDuration</c>; every attempt sends the same bytes.
/// </summary>
internal sealed class HttpTransport : IDisposable
{
    private const int ExcerptChars = 300;
    private static readonly ResiliencePropertyKey<long> StartedKey = new("raindrop.started");
    private static readonly ResiliencePropertyKey<Action<SendOutcome>?> OnRetryKey = new("raindrop.onretry");

    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _baseUri;
    private readonly AuthenticationHeaderValue? _authorization;
    private readonly string? _projectId;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxRetryDuration;
    private readonly TimeSpan _maxRetryDelay;
    private readonly ResiliencePipeline<HttpResponseMessage> _pipeline;
    private readonly Uri[] _uris; // one per known route (Route.All), read-only after construction

    public HttpTransport(RaindropOptions options, Uri baseUri, TimeProvider time)
    {
        _baseUri = baseUri;
        _uris = Array.ConvertAll(Route.All, r => new Uri(baseUri, r.Path));
        _time = time;
        _maxRetryDuration = options.MaxRetryDuration;
        _maxRetryDelay = options.MaxRetryDelay;
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

        _pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = time }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome) && WithinRetryBudget(args.Context)),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryBaseDelay,
                MaxDelay = options.MaxRetryDelay,
                DelayGenerator = args => ValueTask.FromResult(RetryAfter(args.Outcome.Result)),
                OnRetry = args =>
                {
                    if (args.Context.Properties.TryGetValue(OnRetryKey, out var onRetry) && onRetry is not null)
                    {
                        onRetry(Describe(args.Outcome));
                    }

                    args.Outcome.Result?.Dispose();
                    return default;
                },
            })
            .AddTimeout(options.RequestTimeout)
            .Build();
    }

    /// <summary>Sends <paramref name="body"/> to <paramref name="route"/>; never throws.</summary>
    /// <param name="route">Where to send.</param>
    /// <param name="body">The bytes, sent unchanged on every attempt.</param>
    /// <param name="onRetry">Called before each retry with what failed.</param>
    /// <param name="cancellationToken">The close deadline.</param>
    public async Task<SendOutcome> SendAsync(Route route, RequestBody body, Action<SendOutcome>? onRetry, CancellationToken cancellationToken)
    {
        var index = Array.IndexOf(Route.All, route);
        var uri = index >= 0 ? _uris[index] : new Uri(_baseUri, route.Path);

        // The SDK's own requests stay out of the app's telemetry (WIRE.md §7): no ambient span to parent them or to
        // propagate, and OpenTelemetry instrumentation (HttpClient spans) suppressed for this flow.
        System.Diagnostics.Activity.Current = null;
        using var suppressed = OpenTelemetry.SuppressInstrumentationScope.Begin();
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(StartedKey, _time.GetTimestamp());
        context.Properties.Set(OnRetryKey, onRetry);
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
                new SendState(this, uri, body)).ConfigureAwait(false);

            if (outcome.Exception is not null)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return new SendOutcome(SendStatus.Cancelled, Exception: outcome.Exception);
                }

                return new SendOutcome(SendStatus.GaveUp, Detail: outcome.Exception.Message, Exception: outcome.Exception);
            }

            using var response = outcome.Result!;
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 300)
            {
                return new SendOutcome(SendStatus.Delivered, code);
            }

            var excerpt = await ReadExcerptAsync(response, cancellationToken).ConfigureAwait(false);
            if (code == 413)
            {
                return new SendOutcome(SendStatus.TooLarge, code, excerpt);
            }

            if (IsTransientStatus(code))
            {
                return cancellationToken.IsCancellationRequested
                    ? new SendOutcome(SendStatus.Cancelled, code, excerpt)
                    : new SendOutcome(SendStatus.GaveUp, code, excerpt);
            }

            return new SendOutcome(SendStatus.Rejected, code, excerpt);
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
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose()
    {
        if (_ownsClient)
        {
            _http.Dispose();
        }
    }

    internal static bool IsTransientStatus(int code) => code is 408 or 429 || code >= 500;

    private static bool IsTransient(Outcome<HttpResponseMessage> outcome)
    {
        if (outcome.Exception is not null)
        {
            // Network errors and attempt timeouts (an injected HttpClient's own timeout is an OperationCanceledException);
            // our own cancellation, the close deadline, is caught by WithinRetryBudget.
            return outcome.Exception is HttpRequestException or TimeoutRejectedException or IOException or OperationCanceledException;
        }

        return IsTransientStatus((int)outcome.Result!.StatusCode);
    }

    private static SendOutcome Describe(Outcome<HttpResponseMessage> outcome) =>
        outcome.Exception is not null
            ? new SendOutcome(SendStatus.GaveUp, Detail: outcome.Exception.GetType().Name + ": " + outcome.Exception.Message, Exception: outcome.Exception)
            : new SendOutcome(SendStatus.GaveUp, (int)outcome.Result!.StatusCode);

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

    private bool WithinRetryBudget(ResilienceContext context) =>
        !context.CancellationToken.IsCancellationRequested
        && context.Properties.TryGetValue(StartedKey, out var started)
        && _time.GetElapsedTime(started) < _maxRetryDuration;

    private TimeSpan? RetryAfter(HttpResponseMessage? response)
    {
        var header = response?.Headers.RetryAfter;
        if (header is null)
        {
            return null;
        }

        TimeSpan? delay = header.Delta ?? (header.Date is { } date ? date - _time.GetUtcNow() : null);
        if (delay is not { } d)
        {
            return null;
        }

        return d < TimeSpan.Zero ? TimeSpan.Zero : d > _maxRetryDelay ? _maxRetryDelay : d;
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

    private sealed class SendState(HttpTransport self, Uri uri, RequestBody body)
    {
        public HttpTransport Self { get; } = self;

        public Uri Uri { get; } = uri;

        public RequestBody Body { get; } = body;
    }
}
