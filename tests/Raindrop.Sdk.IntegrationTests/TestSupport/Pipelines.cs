using Microsoft.Extensions.AI;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>
/// M.E.AI pipelines by letters, outermost first: <c>R</c> = <c>UseRaindrop()</c>, <c>O</c> =
/// <c>UseOpenTelemetry()</c> (sensitive data on), <c>F</c> = <c>UseFunctionInvocation()</c>.
/// </summary>
public static class Pipelines
{
    public static Func<ChatClientBuilder, ChatClientBuilder> Of(string order, Action<FunctionInvokingChatClient>? functions = null, Action<RaindropChatClientOptions>? raindrop = null) => builder =>
    {
        foreach (var letter in order)
        {
            _ = letter switch
            {
                'R' => builder.UseRaindrop(configure: raindrop),
                'O' => builder.UseOpenTelemetry(configure: c => c.EnableSensitiveData = true),
                'F' => builder.UseFunctionInvocation(configure: functions),
                _ => throw new ArgumentException("Unknown pipeline letter " + letter, nameof(order)),
            };
        }

        return builder;
    };
}
