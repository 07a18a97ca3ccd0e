using System.ClientModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>How a test's app is put together.</summary>
public sealed class TestAppOptions
{
    /// <summary>Host (b): the app runs OpenTelemetry of its own (ASP.NET Core + HttpClient instrumentation, OTLP to <see cref="TestApp.Collector"/>).</summary>
    public bool AppOpenTelemetry { get; init; }

    /// <summary>The middleware of the <c>AddChatClient</c> registration (none: the bare OpenAI <c>IChatClient</c>).</summary>
    public Func<ChatClientBuilder, ChatClientBuilder>? Pipeline { get; init; }

    /// <summary>Raindrop options on top of the test defaults (write key, sink endpoint, short intervals).</summary>
    public Action<RaindropOptions>? Raindrop { get; init; }

    /// <summary>What the fake model answers (default: a plain answer).</summary>
    public Func<JsonObject, ModelReply>? Script { get; init; }
}

/// <summary>
/// The app under test: an ASP.NET Core <c>WebApplication</c> on loopback with logging on at Information (a test
/// logger provider), <c>AddRaindrop</c> sending to a <see cref="RaindropSink"/>, an <c>IChatClient</c> registered with
/// <c>AddChatClient</c> over the official OpenAI client pointed at a <see cref="FakeOpenAiServer"/> (that
/// <c>OpenAIClient</c> is a singleton of the container too, for Semantic Kernel and the Agent Framework). Host (a) has no
/// OpenTelemetry of its own, so ASP.NET Core makes an unrecorded Activity per request; host (b) adds the app's own.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string Model = "gpt-test";
    private static readonly HttpClient Http = new();

    private TestApp(WebApplication app, RaindropSink sink, FakeOpenAiServer openAi, AppOtlpCollector? collector, CapturingLoggerProvider logs)
    {
        App = app;
        Sink = sink;
        OpenAi = openAi;
        Collector = collector;
        Logs = logs;
    }

    public WebApplication App { get; }

    public RaindropSink Sink { get; }

    public FakeOpenAiServer OpenAi { get; }

    public AppOtlpCollector? Collector { get; }

    public CapturingLoggerProvider Logs { get; }

    public IRaindropClient Raindrop => App.Services.GetRequiredService<IRaindropClient>();

    public string Url => App.Urls.First().TrimEnd('/');

    /// <summary>An official OpenAI client pointed at the fake server.</summary>
    public static OpenAIClient OpenAiClientFor(FakeOpenAiServer server) =>
        new(new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = server.Endpoint });

    /// <summary>The bare M.E.AI client over the official OpenAI client (<c>AsIChatClient()</c>), no middleware.</summary>
    public IChatClient BareChatClient() => OpenAiClientFor(OpenAi).GetChatClient(Model).AsIChatClient();

    public static async Task<TestApp> StartAsync(Action<WebApplication> map, TestAppOptions? options = null)
    {
        options ??= new TestAppOptions();
        var sink = new RaindropSink();
        var openAi = new FakeOpenAiServer();
        if (options.Script is not null)
        {
            openAi.Script = options.Script;
        }

        var collector = options.AppOpenTelemetry ? new AppOtlpCollector() : null;
        var logs = new CapturingLoggerProvider();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
        builder.Logging.SetMinimumLevel(LogLevel.Information);

        if (collector is not null)
        {
            builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
                // The fake servers are Kestrel apps in this process; in a real deployment they are other processes.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !LoopbackServer.IsTestServerPort(context.Connection.LocalPort))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter(o =>
                {
                    o.Endpoint = collector.TracesEndpoint;
                    o.Protocol = OtlpExportProtocol.HttpProtobuf;
                }));
        }

        builder.Services.AddRaindrop(o =>
        {
            o.WriteKey = "k";
            o.Endpoint = sink.Endpoint;
            o.FlushInterval = TimeSpan.FromMilliseconds(20);
            o.PartialFlushInterval = TimeSpan.FromMilliseconds(100);
            o.FlushTimeout = TimeSpan.FromSeconds(5);
            o.CloseTimeout = TimeSpan.FromSeconds(2);
            options.Raindrop?.Invoke(o);
        });

        builder.Services.AddSingleton(OpenAiClientFor(openAi));
        var chat = builder.Services.AddChatClient(_ => OpenAiClientFor(openAi).GetChatClient(Model).AsIChatClient());
        options.Pipeline?.Invoke(chat);

        var app = builder.Build();
        map(app);
        await app.StartAsync();
        return new TestApp(app, sink, openAi, collector, logs);
    }

    /// <summary>POSTs to the app (a real HTTP request) and returns the response body; fails on a non-2xx answer.</summary>
    public async Task<string> PostAsync(string pathAndQuery = "/chat")
    {
        using var response = await Http.PostAsync(Url + pathAndQuery, null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {pathAndQuery} answered {(int)response.StatusCode}: {body}");
        return body;
    }

    /// <summary><c>FlushAsync</c> on the app's <c>IRaindropClient</c>; with the app's OpenTelemetry, its provider is flushed too.</summary>
    public async Task<bool> FlushAsync()
    {
        var delivered = await Raindrop.FlushAsync();
        App.Services.GetService<TracerProvider>()?.ForceFlush(5000);
        return delivered;
    }

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
            if (Collector is not null)
            {
                await Collector.DisposeAsync();
            }
        }
    }
}
