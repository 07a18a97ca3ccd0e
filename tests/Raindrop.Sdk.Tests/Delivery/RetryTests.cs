using Raindrop.Delivery;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Raindrop.Sdk.Tests.TestSupport;
using WireMock;
using WireMock.Logging;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;

namespace Raindrop.Sdk.Tests.Delivery;

/// <summary>WIRE.md §5 retries: what is retried, what is not, 413 splitting, Retry-After and the retry budget.</summary>
public class RetryTests
{
    private const string Route = DeliveryKit.Events;

    [Theory]
    [InlineData(500)]
    [InlineData(503)]
    [InlineData(408)]
    [InlineData(429)]
    public async Task Retries_a_transient_status_then_delivers_the_item_once_with_the_same_bytes(int status)
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(status).WithBody("try again"), r => r.WithStatusCode(204));
        await using var client = api.Client();

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var requests = api.Requests(Route);
        Assert.Equal(2, requests.Count);
        Assert.Equal(status, DeliveryKit.StatusOf(requests[0]));
        Assert.Equal(204, DeliveryKit.StatusOf(requests[1]));
        var bodies = api.Bodies(Route);
        Assert.Equal(bodies[0], bodies[1]);
        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
        var stats = client.Statistics;
        Assert.Equal(1, stats.Sent);
        Assert.Equal(1, stats.Retried);
        Assert.Equal(0, stats.Failed);
        Assert.Equal(0, stats.Dropped);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Retries_a_connection_fault_then_delivers_the_item_once_with_the_same_bytes(bool reset)
    {
        // WireMock's "faults" still send a status line; a raw socket that hangs up is a real connection-level fault.
        using var server = new RawHttpServer(faults: 1, reset);
        await using var client = new RaindropClient(DeliveryKit.Options(server.Endpoint));

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var attempts = server.Attempts.ToArray();
        Assert.Equal(2, attempts.Length);
        Assert.False(attempts[0].Answered);
        Assert.True(attempts[1].Answered);
        Assert.All(attempts, a => Assert.Equal("/v1/" + Route, a.Path));
        Assert.Equal(attempts[0].Body, attempts[1].Body);
        var item = Assert.Single(Assert.IsType<JsonArray>(JsonNode.Parse(attempts[1].Body)));
        Assert.Equal("ev-1", (string?)item!["event_id"]);
        Assert.Equal(1, client.Statistics.Sent);
        Assert.Equal(1, client.Statistics.Retried);
        Assert.Equal(0, client.Statistics.Failed);
    }

    [Fact]
    public async Task Retries_an_attempt_that_times_out_then_delivers_once()
    {
        using var api = new FakeApi();
        var hang = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        DeliveryKit.Answer(api, Route, async _ =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                await hang.Task;
            }

            return 204;
        });
        await using var client = api.Client(o => o.RequestTimeout = TimeSpan.FromMilliseconds(300));

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        // The hung first attempt is not in the log yet (WireMock logs on answer); the retry is, with a 204.
        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
        Assert.Equal(2, Volatile.Read(ref calls));
        Assert.Equal(1, client.Statistics.Sent);
        Assert.True(client.Statistics.Retried >= 1);
        hang.TrySetResult();
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(403)]
    [InlineData(404)]
    public async Task A_client_error_is_not_retried_and_is_reported_with_status_and_body_excerpt(int status)
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(status).WithBody("{\"error\":\"field user_id is not valid here\"}"), r => r.WithStatusCode(204));
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();
        await using var client = api.Client();
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var request = Assert.Single(api.Requests(Route));
        Assert.Equal(status, DeliveryKit.StatusOf(request));
        Assert.Empty(api.Items(Route));
        var stats = client.Statistics;
        Assert.Equal(1, stats.Failed);
        Assert.Equal(0, stats.Sent);
        Assert.Equal(0, stats.Retried);
        var failure = Assert.Single(failures);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(status, failure.StatusCode);
        Assert.Equal(1, failure.ItemCount);
        Assert.Equal(Route, failure.Route);
        Assert.Contains("field user_id is not valid here", failure.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejection_reports_a_bounded_excerpt_of_a_long_response_body()
    {
        using var api = new FakeApi();
        var body = "BEGIN-" + new string('e', 20_000) + "-END";
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(422).WithBody(body));
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();
        await using var client = api.Client();
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Single(api.Requests(Route));
        var failure = Assert.Single(failures);
        Assert.Equal(422, failure.StatusCode);
        Assert.NotNull(failure.Detail);
        Assert.StartsWith("BEGIN-eee", failure.Detail, StringComparison.Ordinal);
        Assert.True(failure.Detail.Length <= 2_000, $"Detail is {failure.Detail.Length} chars; expected a bounded excerpt.");
    }

    [Fact]
    public async Task A_413_on_a_batch_splits_it_in_halves_and_every_item_arrives_once()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(413), r => r.WithStatusCode(204));
        await using var client = api.Client(o =>
        {
            o.BatchSize = 10;
            o.FlushInterval = TimeSpan.FromSeconds(10);
        });

        var ids = Enumerable.Range(0, 10).Select(i => $"ev-{i}").ToList();
        foreach (var id in ids)
        {
            client.TrackAi(DeliveryKit.Ai(id));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var requests = api.Requests(Route);
        Assert.Equal(3, requests.Count);
        Assert.Equal(413, DeliveryKit.StatusOf(requests[0]));
        var counts = api.Bodies(Route).Select(DeliveryKit.ItemCount).ToList();
        Assert.Equal([10, 5, 5], counts);
        Assert.Equal(ids.Order(), DeliveryKit.Ids(api.Items(Route)).Order());
        Assert.Equal(10, client.Statistics.Sent);
        Assert.Equal(0, client.Statistics.Failed);
    }

    [Fact]
    public async Task A_413_splits_recursively_until_the_server_accepts_every_piece()
    {
        using var api = new FakeApi();
        DeliveryKit.Answer(api, Route, r => Task.FromResult(DeliveryKit.ItemCount(r.BodyAsBytes!) > 2 ? 413 : 204));
        await using var client = api.Client(o =>
        {
            o.BatchSize = 10;
            o.FlushInterval = TimeSpan.FromSeconds(10);
        });

        var ids = Enumerable.Range(0, 10).Select(i => $"ev-{i}").ToList();
        foreach (var id in ids)
        {
            client.TrackAi(DeliveryKit.Ai(id));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Equal(ids.Order(), DeliveryKit.Ids(api.Items(Route)).Order());
        Assert.Equal(10, client.Statistics.Sent);
        Assert.Equal(0, client.Statistics.Failed);
    }

    [Fact]
    public async Task A_413_on_a_single_item_drops_it_without_retrying()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(413).WithBody("payload too large"));
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();
        await using var client = api.Client();
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.Single(api.Requests(Route));
        Assert.Equal(1, client.Statistics.Failed);
        Assert.Equal(0, client.Statistics.Sent);
        var failure = Assert.Single(failures);
        Assert.Equal(DeliveryFailureReason.Rejected, failure.Reason);
        Assert.Equal(413, failure.StatusCode);
        Assert.Equal(1, failure.ItemCount);
    }

    [Fact]
    public async Task A_retry_after_in_seconds_on_429_is_honoured()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(429).WithHeader("Retry-After", "1"), r => r.WithStatusCode(204));
        await using var client = api.Client();

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var requests = api.Requests(Route);
        Assert.Equal(2, requests.Count);
        var gap = requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"The retry came {gap.TotalMilliseconds:F0} ms after the 429; Retry-After asked for 1 s.");
        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
    }

    [Fact]
    public async Task A_retry_after_http_date_on_503_is_honoured()
    {
        using var api = new FakeApi();
        var date = DateTimeOffset.UtcNow.AddSeconds(2).ToString("R", CultureInfo.InvariantCulture);
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(503).WithHeader("Retry-After", date), r => r.WithStatusCode(204));
        await using var client = api.Client();

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        var requests = api.Requests(Route);
        Assert.Equal(2, requests.Count);

        // The date has whole-second precision, so it is 1 to 2 s after the header was written.
        var gap = requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(700), $"The retry came {gap.TotalMilliseconds:F0} ms after the 503; Retry-After named a date ~2 s ahead.");
        Assert.Equal(["ev-1"], DeliveryKit.Ids(api.Items(Route)));
    }

    [Fact]
    public async Task A_huge_retry_after_is_capped_at_the_max_retry_delay()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(429).WithHeader("Retry-After", "3600"), r => r.WithStatusCode(204));
        await using var client = api.Client(o => o.MaxRetryDelay = TimeSpan.FromSeconds(1));

        client.TrackAi(DeliveryKit.Ai("ev-1"));

        Assert.True(
            await FakeApi.Eventually(() => api.Items(Route).Count == 1, TimeSpan.FromSeconds(8)),
            "The retry after 'Retry-After: 3600' did not come within 8 s although MaxRetryDelay is 1 s.");
        var requests = api.Requests(Route);
        Assert.Equal(2, requests.Count);
        var gap = requests[1].RequestMessage.DateTime - requests[0].RequestMessage.DateTime;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"The retry came {gap.TotalMilliseconds:F0} ms after the 429: the header should be honoured up to the cap (1 s).");
    }

    [Fact]
    public async Task An_outage_of_five_503s_loses_nothing()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(
            api,
            Route,
            r => r.WithStatusCode(503),
            r => r.WithStatusCode(503),
            r => r.WithStatusCode(503),
            r => r.WithStatusCode(503),
            r => r.WithStatusCode(503),
            r => r.WithStatusCode(204));

        // Short retry delays: this is about losing nothing, and jittered 2 s delays made it slow on a loaded machine.
        await using var client = api.Client(o =>
        {
            o.BatchSize = 5;
            o.MaxRetryDelay = TimeSpan.FromMilliseconds(200);
        });

        var ids = Enumerable.Range(0, 20).Select(i => $"ev-{i:00}").ToList();
        foreach (var id in ids)
        {
            client.TrackAi(DeliveryKit.Ai(id));
        }

        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.True(api.Requests(Route).Count(e => DeliveryKit.StatusOf(e) == 503) >= 5);
        Assert.Equal(ids, DeliveryKit.Ids(api.Items(Route)).Order());
        var stats = client.Statistics;
        Assert.Equal(20, stats.Sent);
        Assert.Equal(0, stats.Failed);
        Assert.Equal(0, stats.Dropped);
    }

    [Fact]
    public async Task Once_a_request_has_failed_three_times_in_a_row_no_new_request_starts_on_the_route()
    {
        using var api = new FakeApi();
        var healthy = 0;
        DeliveryKit.Answer(api, Route, _ => Task.FromResult(Volatile.Read(ref healthy) == 1 ? 204 : 503));
        await using var client = api.Client(o => o.BatchSize = 1);

        client.TrackAi(DeliveryKit.Ai("first"));
        // WIRE.md §5: the route is failing after 3 failed attempts in a row (one sporadic failure does not narrow it).
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried >= InFlightWindow.FailuresBeforeNarrowing));
        for (var i = 0; i < 10; i++)
        {
            client.TrackAi(DeliveryKit.Ai($"later-{i}"));
        }

        // Give the worker time to misbehave: three more retries of the first request (BatchSize 1, so the later
        // items are due at once).
        Assert.True(await FakeApi.Eventually(() => client.Statistics.Retried >= InFlightWindow.FailuresBeforeNarrowing + 3));
        var seen = api.Bodies(Route).SelectMany(b => DeliveryKit.Ids(((JsonArray)JsonNode.Parse(b)!).Select(n => n!.AsObject()))).Distinct().ToList();
        Assert.Equal(["first"], seen);

        Interlocked.Exchange(ref healthy, 1);
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);
        Assert.Equal(11, DeliveryKit.Ids(api.Items(Route)).Distinct().Count());
        Assert.Equal(11, api.Items(Route).Count);
    }

    [Fact]
    public async Task Retries_stop_after_the_max_retry_duration_and_flush_completes()
    {
        using var api = new FakeApi();
        DeliveryKit.Script(api, Route, r => r.WithStatusCode(503));
        var failures = new ConcurrentQueue<DeliveryFailedEventArgs>();
        await using var client = api.Client(o => o.MaxRetryDuration = TimeSpan.FromMilliseconds(500));
        client.DeliveryFailed += (_, e) => failures.Enqueue(e);

        client.TrackAi(DeliveryKit.Ai("ev-1"));
        await client.FlushAsync().WaitAsync(DeliveryKit.Patience);

        Assert.True(api.Requests(Route).Count >= 2, "Expected the 503 to be retried before the budget ran out.");
        Assert.Empty(api.Items(Route));
        var stats = client.Statistics;
        Assert.Equal(1, stats.Failed);
        Assert.Equal(0, stats.Sent);
        Assert.True(stats.Retried >= 1);
        var failure = Assert.Single(failures);
        Assert.Equal(DeliveryFailureReason.RetriesExhausted, failure.Reason);
        Assert.Equal(503, failure.StatusCode);
        Assert.Equal(1, failure.ItemCount);
    }
}

/// <summary>Helpers shared by the delivery tests.</summary>
internal static class DeliveryKit
{
    public const string Events = "events/track";
    public const string Signals = "signals/track";
    public const string Identify = "users/identify";

    /// <summary>Bounds waits that should end quickly, so a hang fails the test instead of stalling the run.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    public static AiEvent Ai(string id, string? input = null) =>
        new() { UserId = "user-1", Event = "chat", EventId = id, Input = input ?? "question " + id, Output = "answer" };

    /// <summary>Options like <see cref="FakeApi.Options"/> for a server that is not a <see cref="FakeApi"/>.</summary>
    public static RaindropOptions Options(string endpoint) => new()
    {
        WriteKey = "test-write-key",
        Endpoint = endpoint,
        FlushInterval = TimeSpan.FromMilliseconds(50),
        CloseTimeout = TimeSpan.FromSeconds(5),
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        MaxRetryDelay = TimeSpan.FromSeconds(2),
    };

    public static int StatusOf(ILogEntry entry) => entry.ResponseMessage.StatusCode switch
    {
        int code => code,
        null => 0,
        var other => int.Parse(other.ToString()!, CultureInfo.InvariantCulture),
    };

    public static List<string> Ids(IEnumerable<JsonObject> items) => items.Select(i => (string)i["event_id"]!).ToList();

    public static int ItemCount(byte[] body) => JsonNode.Parse(body) is JsonArray array ? array.Count : 1;

    /// <summary>
    /// Scripts a route's answers in order; the last one repeats. (<see cref="FakeApi.Script"/> fails with a single
    /// answer, WireMock answering 500, and cycles back to the first answer after the last, so these tests use this.)
    /// </summary>
    public static void Script(FakeApi api, string route, params Action<IResponseBuilder>[] answers)
    {
        var scenario = "delivery-" + route;
        for (var i = 0; i < answers.Length; i++)
        {
            var response = Response.Create();
            answers[i](response);
            var given = api.Server.Given(Request.Create().WithPath("/v1/" + route).UsingPost());
            if (answers.Length == 1)
            {
                given.RespondWith(response);
                return;
            }

            var step = given.InScenario(scenario);
            if (i > 0)
            {
                step = step.WhenStateIs("step" + i);
            }

            // The last step sets its own state again, so it repeats.
            step.WillSetStateTo(i < answers.Length - 1 ? "step" + (i + 1) : "step" + i).RespondWith(response);
        }
    }

    /// <summary>Answers a route from code: the callback decides the status (and may wait, e.g. on a gate).</summary>
    public static void Answer(FakeApi api, string route, Func<IRequestMessage, Task<int>> status) =>
        api.Server.Given(Request.Create().WithPath("/v1/" + route).UsingPost())
            .AtPriority(1)
            .RespondWith(Response.Create().WithCallback(async request => (IResponseMessage)new ResponseMessage { StatusCode = await status(request) }));
}

/// <summary>
/// A loopback HTTP/1.1 server on a raw socket, one request per connection: the first <c>faults</c> connections
/// read the request and hang up (with a TCP reset, or a plain close) without answering; later ones answer 204.
/// Records every request body. Much faster than WireMock for bulk tests (no body parsing, no log).
/// </summary>
internal sealed class RawHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _reset;
    private int _faultsLeft;

    public RawHttpServer(int faults = 0, bool reset = false)
    {
        _faultsLeft = faults;
        _reset = reset;
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    public string Endpoint => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1/";

    public ConcurrentQueue<Attempt> Attempts { get; } = new();

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }

    private static async Task<(string Path, byte[] Body)> ReadRequestAsync(NetworkStream stream, CancellationToken ct)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd(buffer)) < 0)
        {
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0)
            {
                throw new IOException("The client closed before sending a whole request.");
            }

            buffer.Write(chunk, 0, n);
        }

        var all = buffer.ToArray();
        var head = Encoding.ASCII.GetString(all, 0, headerEnd);
        var lines = head.Split("\r\n");
        var path = lines[0].Split(' ')[1];
        var length = lines.Skip(1)
            .Select(l => l.Split(':', 2))
            .Where(p => p.Length == 2 && p[0].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            .Select(p => int.Parse(p[1].Trim(), CultureInfo.InvariantCulture))
            .FirstOrDefault();
        var body = new MemoryStream();
        body.Write(all, headerEnd + 4, all.Length - headerEnd - 4);
        while (body.Length < length)
        {
            var n = await stream.ReadAsync(chunk, ct);
            if (n == 0)
            {
                break;
            }

            body.Write(chunk, 0, n);
        }

        return (path, body.ToArray());
    }

    private static int IndexOfHeaderEnd(MemoryStream buffer) =>
        buffer.GetBuffer().AsSpan(0, (int)buffer.Length).IndexOf("\r\n\r\n"u8);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient connection;
            try
            {
                connection = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(connection));
        }
    }

    private async Task HandleAsync(TcpClient connection)
    {
        using (connection)
        {
            try
            {
                var stream = connection.GetStream();
                var (path, body) = await ReadRequestAsync(stream, _stop.Token);
                if (Interlocked.Decrement(ref _faultsLeft) >= 0)
                {
                    Attempts.Enqueue(new Attempt(path, body, Answered: false));
                    if (_reset)
                    {
                        connection.Client.LingerState = new LingerOption(true, 0);
                    }

                    return;
                }

                Attempts.Enqueue(new Attempt(path, body, Answered: true));
                await stream.WriteAsync("HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n"u8.ToArray(), _stop.Token);
            }
            catch (Exception)
            {
                // The client went away; nothing to record.
            }
        }
    }

    internal sealed record Attempt(string Path, byte[] Body, bool Answered);
}
