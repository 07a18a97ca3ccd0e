using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Raindrop.DependencyInjection;

/// <summary>Builds a container's Raindrop client from its named options and the container's services.</summary>
internal static class RaindropClientFactory
{
    /// <summary>The options name of a registration: the default name, or <c>Raindrop:{key}</c> for a keyed one.</summary>
    public static string OptionsName(object? serviceKey) =>
        serviceKey is null ? Options.DefaultName : "Raindrop:" + Convert.ToString(serviceKey, CultureInfo.InvariantCulture);

    public static RaindropClient Create(IServiceProvider services, string optionsName)
    {
        var options = services.GetRequiredService<IOptionsMonitor<RaindropOptions>>().Get(optionsName);
        return new RaindropClient(options);
    }

    /// <summary>
    /// Fills what the app did not set from the container: its logger factory, its clock, and the
    /// <see cref="System.Net.Http.IHttpClientFactory"/> client named <c>"Raindrop"</c> (unless the app set its own
    /// <see cref="RaindropOptions.HttpClient"/> or <see cref="RaindropOptions.HttpMessageHandler"/>).
    /// </summary>
    public static void ApplyContainerDefaults(RaindropOptions options, IServiceProvider services)
    {
        options.LoggerFactory ??= services.GetService<ILoggerFactory>();
        options.TimeProvider ??= services.GetService<TimeProvider>();
        if (options.HttpClient is null && options.HttpMessageHandler is null && services.GetService<IHttpClientFactory>() is { } factory)
        {
            options.HttpClient = factory.CreateClient(RaindropServiceCollectionExtensions.HttpClientName);
        }
    }
}
