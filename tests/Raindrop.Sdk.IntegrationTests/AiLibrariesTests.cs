using System.Text.Json.Nodes;
using Microsoft.Agents.AI;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Connectors.OpenAI;
using OpenAI;

namespace Raindrop.Sdk.IntegrationTests;

/// <summary>
/// Issue 17 items 1 and 5, in host (a): an ASP.NET Core app with logging on and no OpenTelemetry of its own, where every
/// request has an unrecorded Activity (Semantic Kernel and the Agent Framework also in host (b), with the app's own). Semantic Kernel and the Agent Framework inside an interaction, M.E.AI's
/// <c>UseOpenTelemetry()</c> under <c>UseRaindrop()</c>, and LLM calls outside any interaction (WIRE.md §7 "The host's
/// Activity never decides", "The event knows its model and tokens"; README "LLM auto-capture").
/// </summary>
public class AiLibrariesTests
{
    private const string SkPlugin = "weather";
    private static readonly string SkToolName = SkPlugin + "-" + Weather.ToolName;

    /// <summary><c>POST /sk</c>: a Kernel over the OpenAI connector, a plugin function the model calls through auto function calling.</summary>
    private static void SemanticKernelEndpoint(WebApplication app) => app.MapPost("/sk", async (IRaindropClient raindrop, OpenAIClient openAi) =>
    {
        await using var interaction = raindrop.Begin(Weather.Interaction());
        var kernel = Kernel.CreateBuilder().AddOpenAIChatCompletion(TestApp.Model, openAi).Build();
        kernel.Plugins.AddFromFunctions(SkPlugin, [KernelFunctionFactory.CreateFromMethod((string city) => Weather.GetWeather(city), Weather.ToolName, "Gets the weather of a city.")]);
        var settings = new OpenAIPromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() };
        var result = await kernel.InvokePromptAsync(Weather.Question, new KernelArguments(settings));
        await interaction.FinishAsync(output: result.ToString());
        return Results.Text(interaction.EventId);
    });

    /// <summary><c>POST /agent</c>: a <c>ChatClientAgent</c> over the app's M.E.AI chat client, with the Agent Framework's OpenTelemetry, <c>RunAsync</c>.</summary>
    private static void AgentEndpoint(WebApplication app) => app.MapPost("/agent", async (IRaindropClient raindrop, IChatClient chat) =>
    {
        await using var interaction = raindrop.Begin(Weather.Interaction());
        var agent = new ChatClientAgent(chat, instructions: "You answer weather questions.", name: "weather-agent", tools: [Weather.Tool])
            .AsBuilder().UseOpenTelemetry(configure: a => a.EnableSensitiveData = true).Build();
        var response = await agent.RunAsync(Weather.Question);
        await interaction.FinishAsync(output: response.Text);
        return Results.Text(interaction.EventId);
    });

    internal static Task<TestApp> SemanticKernelApp(bool appOpenTelemetry = false) => TestApp.StartAsync(SemanticKernelEndpoint, new TestAppOptions
    {
        AppOpenTelemetry = appOpenTelemetry,
        Script = FakeOpenAiServer.ToolThenAnswer(SkToolName, Weather.ToolArguments, Weather.FinalAnswer),
    });

    internal static Task<TestApp> AgentApp(bool appOpenTelemetry = false) => TestApp.StartAsync(AgentEndpoint, new TestAppOptions
    {
        AppOpenTelemetry = appOpenTelemetry,
        Pipeline = Pipelines.Of("O"),
        Script = Weather.RoundTrip,
    });

    [Theory]
    [Trait("Issue17", "1")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Semantic_Kernel_spans_inside_an_interaction_reach_Raindrop_in_its_trace(bool appOpenTelemetry)
    {
        await using var app = await SemanticKernelApp(appOpenTelemetry);

        var eventId = await app.PostAsync("/sk");
        await app.FlushAsync();

        Assert.Equal(2, app.OpenAi.Calls.Count);
        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        var all = SpanQueries.Describe(trace.Spans);
        Assert.True(trace.Spans.Any(s => s.Scope.StartsWith("Microsoft.SemanticKernel", StringComparison.Ordinal)), "no Semantic Kernel span; " + all);
        Assert.True(trace.Llm.Count == 2, $"expected one LLM span per model call (2); {all}");
        // SK marks the prompt function it runs as an execute_tool span too; the plugin function is one span of its own.
        Assert.True(trace.Tools.Count(s => s.Name.Contains(Weather.ToolName, StringComparison.Ordinal)) == 1, "expected one span of the plugin function; " + all);
        trace.AssertRootedAtWorkflow();
        trace.AssertAllCarry(eventId);
        Assert.Equal(trace.Workflow.TraceId, SpanQueries.TraceId(app.Sink.Interaction(eventId)));
    }

    [Theory]
    [Trait("Issue17", "1")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Agent_Framework_spans_inside_an_interaction_reach_Raindrop_in_its_trace(bool appOpenTelemetry)
    {
        await using var app = await AgentApp(appOpenTelemetry);

        var eventId = await app.PostAsync("/agent");
        await app.FlushAsync();

        Assert.Equal(2, app.OpenAi.Calls.Count);
        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        var all = SpanQueries.Describe(trace.Spans);
        Assert.True(trace.Spans.Any(s => s.Scope == "Experimental.Microsoft.Agents.AI" && s.Attr("gen_ai.operation.name") == "invoke_agent"), "no invoke_agent span; " + all);
        Assert.True(trace.Llm.Count == 2, $"expected one LLM span per model call (2); {all}");
        Assert.True(trace.Tools.Count == 1, $"expected one tool span; {all}");
        trace.AssertRootedAtWorkflow();
        trace.AssertAllCarry(eventId);
        Assert.Equal(trace.Workflow.TraceId, SpanQueries.TraceId(app.Sink.Interaction(eventId)));
    }

    [Fact]
    [Trait("Issue17", "1")]
    public async Task UseRaindrop_over_UseOpenTelemetry_gives_the_interaction_its_LLM_span()
    {
        await using var app = await TestApp.StartAsync(Weather.ChatEndpoint(withTools: false), new TestAppOptions { Pipeline = Pipelines.Of("RO") });

        var eventId = await app.PostAsync("/chat");
        await app.FlushAsync();

        var trace = SpanQueries.TraceOf(app.Sink.Spans, eventId);
        var llm = Assert.Single(trace.Llm);
        Assert.Equal(((long?)101, (long?)21), SpanQueries.Usage(llm));
        trace.AssertRootedAtWorkflow();
        trace.AssertAllCarry(eventId);
    }

    [Theory]
    [Trait("Issue17", "1")]
    [InlineData("R")]
    [InlineData("RO")]
    public async Task An_LLM_call_outside_any_interaction_with_no_user_still_gets_its_LLM_span(string order)
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/ask", async (IChatClient chat) => Results.Text((await chat.GetResponseAsync("Say hello.")).Text)),
            new TestAppOptions { Pipeline = Pipelines.Of(order) });

        await app.PostAsync("/ask");
        await app.FlushAsync();

        // README: "with no user only the LLM span is recorded".
        var spans = app.Sink.Spans;
        var llm = Assert.Single(spans, SpanQueries.IsLlm);
        Assert.Equal(((long?)101, (long?)21), SpanQueries.Usage(llm));
        Assert.Empty(app.Sink.Items("events/track"));
    }

    [Fact]
    [Trait("Issue17", "1")]
    public async Task An_LLM_call_outside_any_interaction_with_a_user_is_one_AI_event()
    {
        await using var app = await TestApp.StartAsync(
            a => a.MapPost("/ask", async (IChatClient chat) =>
            {
                var options = new ChatOptions { AdditionalProperties = new() { [RaindropChatClientOptions.UserIdKey] = "user-9" } };
                return Results.Text((await chat.GetResponseAsync("Say hello.", options)).Text);
            }),
            new TestAppOptions { Pipeline = Pipelines.Of("R") });

        await app.PostAsync("/ask");
        await app.FlushAsync();

        var ai = Assert.Single(app.Sink.Items("events/track"));
        Assert.Equal("user-9", (string?)ai["user_id"]);
        Assert.Equal("Say hello.", (string?)ai["ai_data"]?["input"]);
        Assert.False(string.IsNullOrEmpty((string?)ai["ai_data"]?["model"]));
        Assert.Equal(101, (int?)ai["properties"]?["input_tokens"]);
        Assert.Equal(21, (int?)ai["properties"]?["output_tokens"]);
    }

    [Theory]
    [Trait("Issue17", "5")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_Semantic_Kernel_interaction_gets_its_model_and_summed_tokens(bool appOpenTelemetry)
    {
        await using var app = await SemanticKernelApp(appOpenTelemetry);

        var eventId = await app.PostAsync("/sk");
        await app.FlushAsync();

        AssertModelAndTokens(app, app.Sink.Interaction(eventId));
    }

    [Theory]
    [Trait("Issue17", "5")]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_Agent_Framework_interaction_gets_its_model_and_tokens_counting_each_model_call_once(bool appOpenTelemetry)
    {
        await using var app = await AgentApp(appOpenTelemetry);

        var eventId = await app.PostAsync("/agent");
        await app.FlushAsync();

        AssertModelAndTokens(app, app.Sink.Interaction(eventId));
    }

    /// <summary>The event's <c>ai_data.model</c> is the model the calls used, and its token properties are the sums over the model calls (203 / 43 for two calls).</summary>
    private static void AssertModelAndTokens(TestApp app, JsonObject? interaction)
    {
        Assert.NotNull(interaction);
        Assert.Equal(2, app.OpenAi.Calls.Count);
        var model = (string?)interaction["ai_data"]?["model"];
        Assert.True(model is TestApp.Model or FakeOpenAiServer.ResponseModel, $"ai_data.model is '{model}'; event: {interaction.ToJsonString()}");
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.InputTokens), (int?)interaction["properties"]?["input_tokens"]);
        Assert.Equal(app.OpenAi.Calls.Sum(c => c.OutputTokens), (int?)interaction["properties"]?["output_tokens"]);
    }
}
