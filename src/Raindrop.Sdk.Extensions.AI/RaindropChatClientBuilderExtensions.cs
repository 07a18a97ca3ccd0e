using Microsoft.Extensions.DependencyInjection;
using Raindrop;

namespace Microsoft.Extensions.AI;

/// <summary>Adds Raindrop to a Microsoft.Extensions.AI chat pipeline.</summary>
public static class RaindropChatClientBuilderExtensions
{
    /// <summary>
    /// Adds <see cref="RaindropChatClient"/>: every call through the pipeline is recorded to Raindrop (an LLM span
    /// and tool spans of the current interaction, which gets the input, output, model and token counts; or, outside
    /// an interaction, one AI event when the user is known).
    /// </summary>
    /// <param name="builder">The chat pipeline.</param>
    /// <param name="client">The Raindrop client; when null, <see cref="IRaindropClient"/> (or <see cref="RaindropClient"/>) is resolved from the builder's <see cref="IServiceProvider"/> when the pipeline is built.</param>
    /// <param name="configure">Adjusts the <see cref="RaindropChatClientOptions"/> (run once, when the pipeline is built).</param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="builder"/> is null.</exception>
    /// <exception cref="InvalidOperationException">At <c>Build()</c>: <paramref name="client"/> is null and the service provider has no Raindrop client.</exception>
    public static ChatClientBuilder UseRaindrop(this ChatClientBuilder builder, IRaindropClient? client = null, Action<RaindropChatClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Use((inner, services) =>
        {
            var raindrop = client
                ?? services.GetService<IRaindropClient>()
                ?? services.GetService<RaindropClient>()
                ?? throw new InvalidOperationException("UseRaindrop() was given no client and found no IRaindropClient in the service provider: pass one, or register it (services.AddSingleton<IRaindropClient>(...)).");
            var options = new RaindropChatClientOptions();
            configure?.Invoke(options);
            return new RaindropChatClient(inner, raindrop, options);
        });
    }
}
