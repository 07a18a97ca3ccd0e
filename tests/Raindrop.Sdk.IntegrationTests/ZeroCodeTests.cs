using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 21: zero-code capture. Real <c>WebApplication</c>s on loopback whose handlers hold no Raindrop code:
/// <c>AddRaindrop(o =&gt; o.CaptureChatClients = true)</c> after the chat clients and <c>app.UseRaindrop()</c>
/// (Raindrop.Sdk.AspNetCore). Each test checks one LLM span per model call and the user on each event.
/// </summary>
public class ZeroCodeTests
{
    private const string UserHeader = "X-Test-User";
    private static readonly HttpClient Http = new();

    // The handlers: no Raindrop code, only the app's chat clients (the registered one, or a keyed one).
    private static void MapChat(WebApplication app)
    {
        app.MapPost("/chat", async (IChatClient chat, bool? stream) =>
        {
            var options = new ChatOptions { Tools = [Weather.Tool] };
            if (stream == true)
            {
                var text = new StringBuilder();
                await foreach (var update in chat.GetStreamingResponseAsync(Weather.Question, options))
                {
                    text.Append(update.Text);
                }

                return Results.Text(text.ToString());
            }

            return Results.Text((await chat.GetResponseAsync(Weather.Question, options)).Text);
        });
        app.MapPost("/both", async (IChatClient chat, [FromKeyedServices("second")] IChatClient second) =>
        {
            var a = await chat.GetResponseAsync("first question");
            var b = await second.GetResponseAsync("second question");
            return Results.Text(a.Text + "|" + b.Text);
        });
        app.MapPost("/throws", async (IChatClient chat) =>
        {
            await chat.GetResponseAsync(Weather.Question);
            throw new InvalidOperationException("handler failed after the model call");
        });
        app.MapPost("/chats/{conversationId}", async (string conversationId, IChatClient chat) => (await chat.GetResponseAsync(Weather.Question)).Text);
        app.MapPost("/health", async (IChatClient chat) => (await chat.GetResponseAsync("ping")).Text);
    }

    [Fact]
    [Trait("Issue21", "interaction")]
    public async Task An_authenticated_request_is_one_interaction_with_its_user_convo_LLM_and_tool_spans_and_tokens()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(o => o.BeginInteractionPerRequest = true), script: Weather.RoundTrip);

        await app.PostAsync("/chat", user: "alice", convo: "convo-1");
        await app.FlushAsync();

        var interaction = Assert.Single(app.Interactions());
        Assert.Equal("alice", (string?)interaction["user_id"]);
        Assert.Equal("chat", (string?)interaction["event"]);
        Assert.Equal("convo-1", (string?)interaction["ai_data"]?["convo_id"]);
        Assert.Equal(Weather.Question, (string?)interaction["ai_data"]?["input"]);
        Assert.Equal(Weather.FinalAnswer, (string?)interaction["ai_data"]?["output"]);
        var eventId = (string)interaction["event_id"]!;
        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId, "chat");
        Assert.True(trace.Llm.Count == app.OpenAi.Calls.Count, $"expected {app.OpenAi.Calls.Count} LLM spans; {SpanQueries.Describe(trace.Spans)}");
        Assert.Single(trace.Tools);
        // Above the tool loop (where a decorator sits) a non-streamed loop's usage arrives summed: the interaction has it.
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.InputTokens), (long?)interaction["properties"]?["input_tokens"]);
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.OutputTokens), (long?)interaction["properties"]?["output_tokens"]);
        Assert.Empty(app.Sink.Items("events/track"));
    }

    [Fact]
    [Trait("Issue21", "streaming")]
    public async Task A_streamed_request_is_one_interaction_with_one_LLM_span_per_model_call()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(o => o.BeginInteractionPerRequest = true), script: Weather.RoundTrip);

        var body = await app.PostAsync("/chat?stream=true", user: "bob");
        await app.FlushAsync();

        Assert.Equal(Weather.FinalAnswer, body);
        var interaction = Assert.Single(app.Interactions());
        Assert.Equal("bob", (string?)interaction["user_id"]);
        Assert.Equal(Weather.FinalAnswer, (string?)interaction["ai_data"]?["output"]);
        var trace = SpanQueries.TraceOf(app.Sink.Spans, (string)interaction["event_id"]!, "chat");
        Assert.Equal(2, app.OpenAi.Calls.Count);
        Assert.True(trace.Llm.Count == 2, SpanQueries.Describe(trace.Spans));
        Assert.Single(trace.Tools);
    }

    [Fact]
    [Trait("Issue21", "users")]
    public async Task Without_an_interaction_each_model_call_is_an_AI_event_of_the_requests_user_and_anonymous_requests_send_none()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop());

        await Task.WhenAll(
            app.PostAsync("/chat", user: "carol", convo: "c-carol"),
            app.PostAsync("/chat", user: "dave"),
            app.PostAsync("/chat"));
        await app.FlushAsync();

        var events = app.Sink.Items("events/track");
        Assert.Equal(2, events.Count);
        var carol = Assert.Single(events, e => (string?)e["user_id"] == "carol");
        Assert.Equal("c-carol", (string?)carol["ai_data"]?["convo_id"]);
        var dave = Assert.Single(events, e => (string?)e["user_id"] == "dave");
        Assert.Null(dave["ai_data"]?["convo_id"]);
        Assert.Empty(app.Interactions());
        foreach (var ev in events)
        {
            var spans = app.Sink.Spans.Where(s => s.EventId == (string?)ev["event_id"]).ToList();
            Assert.True(spans.Count(SpanQueries.IsLlm) == 1, SpanQueries.Describe(spans));
        }

        Assert.Equal(3, app.OpenAi.Calls.Count);
    }

    [Fact]
    [Trait("Issue21", "convo")]
    public async Task The_conversation_comes_from_the_route_value_and_the_header_wins_over_it()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop());

        await app.PostAsync("/chats/from-route", user: "ivan");
        await app.PostAsync("/chats/from-route", user: "judy", convo: "from-header");
        await app.FlushAsync();

        var events = app.Sink.Items("events/track");
        Assert.Equal("from-route", (string?)Assert.Single(events, e => (string?)e["user_id"] == "ivan")["ai_data"]?["convo_id"]);
        Assert.Equal("from-header", (string?)Assert.Single(events, e => (string?)e["user_id"] == "judy")["ai_data"]?["convo_id"]);
    }

    [Fact]
    [Trait("Issue21", "throws")]
    public async Task A_handler_that_throws_still_finishes_its_interaction_with_the_error()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(o => o.BeginInteractionPerRequest = true));

        using var response = await app.SendAsync("/throws", user: "erin");
        await app.FlushAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        var interaction = Assert.Single(app.Interactions());
        Assert.Equal("erin", (string?)interaction["user_id"]);
        Assert.Equal(false, (bool?)interaction["is_pending"]);
        Assert.Contains("handler failed after the model call", (string?)interaction["properties"]?["error"], StringComparison.Ordinal);
        var trace = SpanQueries.TraceOf(app.Sink.Spans, (string)interaction["event_id"]!, "chat");
        Assert.Single(trace.Llm);
    }

    [Fact]
    [Trait("Issue21", "clients")]
    public async Task Two_chat_clients_one_keyed_are_both_captured_once_each()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(), keyedSecond: true);

        await app.PostAsync("/both", user: "frank");
        await app.FlushAsync();

        var events = app.Sink.Items("events/track");
        Assert.Equal(2, events.Count);
        Assert.All(events, e => Assert.Equal("frank", (string?)e["user_id"]));
        Assert.Equal("first question|second question", string.Join("|", events.Select(e => (string?)e["ai_data"]?["input"]).Order()));
        var llm = app.Sink.Spans.Where(SpanQueries.IsLlm).ToList();
        Assert.True(llm.Count == 2, SpanQueries.Describe(llm));
        Assert.Equal(events.Select(e => (string?)e["event_id"]).Order(), llm.Select(s => s.EventId).Order());
    }

    [Fact]
    [Trait("Issue21", "twice")]
    public async Task A_pipeline_with_the_apps_own_UseRaindrop_is_not_wrapped_again()
    {
        await using var app = await ZeroCodeApp.StartAsync(
            web => web.UseRaindrop(o => o.BeginInteractionPerRequest = true),
            script: Weather.RoundTrip,
            pipeline: chat => chat.UseFunctionInvocation().UseRaindrop());

        await app.PostAsync("/chat", user: "gina");
        await app.FlushAsync();

        var client = app.App.Services.GetRequiredService<IChatClient>();
        Assert.IsType<RaindropChatClient>(client.GetService(typeof(RaindropChatClient)));
        Assert.IsNotType<RaindropChatClient>(client);
        var interaction = Assert.Single(app.Interactions());
        var trace = SpanQueries.TraceOf(app.Sink.Spans, (string)interaction["event_id"]!, "chat");
        Assert.True(trace.Llm.Count == app.OpenAi.Calls.Count, SpanQueries.Describe(trace.Spans));
        Assert.Single(trace.Tools);
    }

    [Fact]
    [Trait("Issue21", "filter")]
    public async Task A_request_the_app_excluded_records_no_event_no_interaction_and_no_span()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(o =>
        {
            o.BeginInteractionPerRequest = true;
            o.Filter = context => !context.Request.Path.StartsWithSegments("/health");
        }));

        await app.PostAsync("/health", user: "hank");
        await app.FlushAsync();

        Assert.Single(app.OpenAi.Calls);
        Assert.Empty(app.Interactions());
        Assert.Empty(app.Sink.Items("events/track"));
        Assert.Empty(app.Sink.Spans);
    }

    [Fact]
    [Trait("Issue21", "late")]
    public async Task A_chat_client_registered_after_AddRaindrop_is_named_in_a_warning_at_start()
    {
        await using var app = await ZeroCodeApp.StartAsync(web => web.UseRaindrop(), lateKeyed: "late");

        var warning = Assert.Single(app.Logs.Lines, e => e.Message.Contains("registered after AddRaindrop", StringComparison.Ordinal));
        Assert.Contains("\"late\"", warning.Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, warning.Level);
    }

    /// <summary>The app: test authentication (<c>X-Test-User</c> names the user), chat clients, then AddRaindrop with CaptureChatClients.</summary>
    private sealed class ZeroCodeApp : IAsyncDisposable
    {
        private ZeroCodeApp(WebApplication app, RaindropSink sink, FakeOpenAiServer openAi, CapturingLoggerProvider logs)
        {
            App = app;
            Sink = sink;
            OpenAi = openAi;
            Logs = logs;
        }

        public WebApplication App { get; }

        public RaindropSink Sink { get; }

        public FakeOpenAiServer OpenAi { get; }

        public CapturingLoggerProvider Logs { get; }

        private string Url => App.Urls.First().TrimEnd('/');

        public static async Task<ZeroCodeApp> StartAsync(
            Action<WebApplication> raindrop,
            Func<JsonObject, ModelReply>? script = null,
            Func<ChatClientBuilder, ChatClientBuilder>? pipeline = null,
            bool keyedSecond = false,
            string? lateKeyed = null)
        {
            var sink = new RaindropSink();
            var openAi = new FakeOpenAiServer();
            if (script is not null)
            {
                openAi.Script = script;
            }

            var logs = new CapturingLoggerProvider();
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.Sources.Clear();
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            builder.Logging.SetMinimumLevel(LogLevel.Information);
            builder.Services.AddAuthentication("Test").AddScheme<AuthenticationSchemeOptions, HeaderAuthHandler>("Test", null);

            // The app's chat clients, as it registers them today: a pipeline with function invocation, and a keyed one.
            var chat = builder.Services.AddChatClient(_ => TestApp.OpenAiClientFor(openAi).GetChatClient(TestApp.Model).AsIChatClient());
            (pipeline ?? (c => c.UseFunctionInvocation()))(chat);
            if (keyedSecond)
            {
                builder.Services.AddKeyedChatClient("second", _ => TestApp.OpenAiClientFor(openAi).GetChatClient(TestApp.Model).AsIChatClient());
            }

            builder.Services.AddRaindrop(o =>
            {
                o.WriteKey = "k";
                o.Endpoint = sink.Endpoint;
                o.FlushInterval = TimeSpan.FromMilliseconds(20);
                o.PartialFlushInterval = TimeSpan.FromMilliseconds(100);
                o.FlushTimeout = TimeSpan.FromSeconds(5);
                o.CloseTimeout = TimeSpan.FromSeconds(2);
                o.CaptureChatClients = true;
            });

            if (lateKeyed is not null)
            {
                builder.Services.AddKeyedChatClient(lateKeyed, _ => TestApp.OpenAiClientFor(openAi).GetChatClient(TestApp.Model).AsIChatClient());
            }

            var app = builder.Build();
            app.UseAuthentication();
            raindrop(app);
            MapChat(app);
            await app.StartAsync();
            return new ZeroCodeApp(app, sink, openAi, logs);
        }

        public async Task<HttpResponseMessage> SendAsync(string pathAndQuery, string? user = null, string? convo = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, Url + pathAndQuery);
            if (user is not null)
            {
                request.Headers.Add(UserHeader, user);
            }

            if (convo is not null)
            {
                request.Headers.Add(RaindropAspNetCoreOptions.DefaultConvoIdHeader, convo);
            }

            return await Http.SendAsync(request);
        }

        public async Task<string> PostAsync(string pathAndQuery, string? user = null, string? convo = null)
        {
            using var response = await SendAsync(pathAndQuery, user, convo);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"POST {pathAndQuery} answered {(int)response.StatusCode}: {body}");
            return body;
        }

        public Task<bool> FlushAsync() => App.Services.GetRequiredService<IRaindropClient>().FlushAsync();

        /// <summary>Every interaction sent, assembled from its partial events.</summary>
        public IReadOnlyList<JsonObject> Interactions() =>
            Sink.Items("events/track_partial").Select(i => (string)i["event_id"]!).Distinct().Select(id => Sink.Interaction(id)!).ToList();

        public async ValueTask DisposeAsync()
        {
            try
            {
                await App.StopAsync();
            }
            finally
            {
                await App.DisposeAsync();
                await OpenAi.DisposeAsync();
                await Sink.DisposeAsync();
            }
        }
    }

    /// <summary>Authenticates a request whose <c>X-Test-User</c> header names the user (a NameIdentifier claim); others stay anonymous.</summary>
    private sealed class HeaderAuthHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var user = Request.Headers[UserHeader].ToString();
            if (user.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], "Test");
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), "Test")));
        }
    }
}
