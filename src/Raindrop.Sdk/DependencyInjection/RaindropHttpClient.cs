using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;

namespace Raindrop.DependencyInjection;

/// <summary>
/// Registers the named <c>"Raindrop"</c> HttpClient with the SDK's defaults: no client-wide timeout (the SDK times
/// each attempt with <see cref="RaindropOptions.RequestTimeout"/>), a 5 s connect timeout and pooled connections
/// that are renewed, since the SDK keeps its client for the app's lifetime, and none of the factory's per-request
/// <c>Information</c> log lines. The app's own
/// <c>AddHttpClient("Raindrop")</c> configuration runs after these defaults and wins.
/// </summary>
internal static class RaindropHttpClient
{
    public static void Register(IServiceCollection services)
    {
        // The SDK's own requests write nothing per request to the app's logs (WIRE.md §7); DebugLogs is the place for that.
        services.AddHttpClient(RaindropServiceCollectionExtensions.HttpClientName).RemoveAllLoggers();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<HttpClientFactoryOptions>, Defaults>());
    }

    private sealed class Defaults : IConfigureNamedOptions<HttpClientFactoryOptions>
    {
        public void Configure(HttpClientFactoryOptions options) => Configure(Options.DefaultName, options);

        public void Configure(string? name, HttpClientFactoryOptions options)
        {
            if (!string.Equals(name, RaindropServiceCollectionExtensions.HttpClientName, StringComparison.Ordinal))
            {
                return;
            }

            // First in both lists, so what the app configures for this name runs later and wins.
            options.HttpClientActions.Insert(0, static client => client.Timeout = Timeout.InfiniteTimeSpan);
            options.HttpMessageHandlerBuilderActions.Insert(0, static builder => builder.PrimaryHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            });
        }
    }
}
