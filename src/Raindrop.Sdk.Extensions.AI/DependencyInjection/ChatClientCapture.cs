using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Raindrop.DependencyInjection;

/// <summary>
/// <see cref="RaindropOptions.CaptureChatClients"/>: called (by name) from <c>AddRaindrop</c>, it replaces every
/// <see cref="IChatClient"/> registration already in the collection (keyed or not; instance, factory or type) with one
/// that resolves the original and, when the option is on, wraps it in <see cref="RaindropChatClient"/>.
/// </summary>
/// <remarks>
/// Position: the app's registration builds its whole pipeline (<c>AddChatClient(...).UseFunctionInvocation()</c>)
/// inside its factory, so a decorator can only wrap the outside: the middleware sits above everything the app added.
/// That is a position it handles: above a <c>FunctionInvokingChatClient</c> it splits the tool loop into one LLM span
/// per model round trip and records tools through the function invoker hook; above M.E.AI's
/// <c>OpenTelemetryChatClient</c> it leaves the LLM spans to it when they reach Raindrop (see
/// <see cref="PipelineTelemetry"/>). A pipeline that already holds a <see cref="RaindropChatClient"/> (the app called
/// <c>UseRaindrop()</c> itself) is returned as it is: never twice. The option is read when each client is first
/// resolved (so configuration can set it); when it is off the original is returned unchanged.
/// </remarks>
internal static class ChatClientCapture
{
    /// <summary>Decorates the <see cref="IChatClient"/> registrations in <paramref name="services"/> not decorated yet.</summary>
    public static void Decorate(IServiceCollection services)
    {
        var state = services.FirstOrDefault(d => d.ServiceType == typeof(ChatClientCaptureState) && !d.IsKeyedService)?.ImplementationInstance as ChatClientCaptureState;
        if (state is null)
        {
            state = new ChatClientCaptureState(services);
            services.AddSingleton(state);
            services.AddSingleton<IHostedService>(sp => new ChatClientCaptureCheck(sp, state));
        }

        for (var i = 0; i < services.Count; i++)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType != typeof(IChatClient) || state.Decorated.Contains(descriptor))
            {
                continue;
            }

            var wrapped = Wrap(descriptor);
            state.Decorated.Add(wrapped);
            services[i] = wrapped;
        }
    }

    /// <summary>Names a registration for a log line: its key (if any) and what it is built from.</summary>
    public static string Describe(ServiceDescriptor descriptor)
    {
        var source = descriptor.IsKeyedService
            ? descriptor.KeyedImplementationType?.FullName ?? descriptor.KeyedImplementationInstance?.GetType().FullName ?? "a factory"
            : descriptor.ImplementationType?.FullName ?? descriptor.ImplementationInstance?.GetType().FullName ?? "a factory";
        return descriptor.IsKeyedService ? $"IChatClient (key \"{descriptor.ServiceKey}\", {source})" : $"IChatClient ({source})";
    }

    private static ServiceDescriptor Wrap(ServiceDescriptor descriptor)
    {
        if (descriptor.IsKeyedService)
        {
            if (descriptor.KeyedImplementationInstance is IChatClient keyedInstance)
            {
                return new ServiceDescriptor(typeof(IChatClient), descriptor.ServiceKey, (sp, _) => Capture(sp, keyedInstance, owned: false), descriptor.Lifetime);
            }

            if (descriptor.KeyedImplementationFactory is { } keyedFactory)
            {
                return new ServiceDescriptor(typeof(IChatClient), descriptor.ServiceKey, (sp, key) => Capture(sp, (IChatClient)keyedFactory(sp, key), owned: true), descriptor.Lifetime);
            }

            var keyedType = descriptor.KeyedImplementationType!;
            return new ServiceDescriptor(typeof(IChatClient), descriptor.ServiceKey, (sp, _) => Capture(sp, Create(sp, keyedType), owned: true), descriptor.Lifetime);
        }

        if (descriptor.ImplementationInstance is IChatClient instance)
        {
            return new ServiceDescriptor(typeof(IChatClient), sp => Capture(sp, instance, owned: false), descriptor.Lifetime);
        }

        if (descriptor.ImplementationFactory is { } factory)
        {
            return new ServiceDescriptor(typeof(IChatClient), sp => Capture(sp, (IChatClient)factory(sp), owned: true), descriptor.Lifetime);
        }

        var type = descriptor.ImplementationType!;
        return new ServiceDescriptor(typeof(IChatClient), sp => Capture(sp, Create(sp, type), owned: true), descriptor.Lifetime);
    }

    private static IChatClient Create(IServiceProvider services, [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] Type type) =>
        (IChatClient)ActivatorUtilities.CreateInstance(services, type);

    private static IChatClient Capture(IServiceProvider services, IChatClient inner, bool owned)
    {
        var options = services.GetService<IOptionsMonitor<RaindropOptions>>()?.Get(RaindropClientFactory.OptionsName(null));
        if (options is not { CaptureChatClients: true }
            || inner.GetService(typeof(RaindropChatClient)) is not null
            || services.GetService<IRaindropClient>() is not { } raindrop)
        {
            return inner;
        }

        // An instance the app registered is the app's to dispose: the container disposes what a factory returns.
        return new RaindropChatClient(owned ? inner : new UnownedChatClient(inner), raindrop);
    }

    /// <summary>Passes everything to an app-owned client except disposal.</summary>
    private sealed class UnownedChatClient(IChatClient inner) : DelegatingChatClient(inner)
    {
        // base.Dispose(true) would dispose the app's instance: false disposes nothing.
        protected override void Dispose(bool disposing) => base.Dispose(false);
    }
}

/// <summary>The collection <see cref="ChatClientCapture"/> decorated and what it replaced, for the start-up check.</summary>
internal sealed class ChatClientCaptureState(IServiceCollection services)
{
    public IServiceCollection Services { get; } = services;

    public HashSet<ServiceDescriptor> Decorated { get; } = new(ReferenceEqualityComparer.Instance);
}

/// <summary>When the host starts with <see cref="RaindropOptions.CaptureChatClients"/> on, names each chat client registered after <c>AddRaindrop</c> (not captured) in a warning.</summary>
internal sealed class ChatClientCaptureCheck(IServiceProvider services, ChatClientCaptureState state) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = services.GetService<IOptionsMonitor<RaindropOptions>>()?.Get(RaindropClientFactory.OptionsName(null));
        if (options is { CaptureChatClients: true } && services.GetService<RaindropClient>() is { } client)
        {
            foreach (var descriptor in state.Services)
            {
                if (descriptor.ServiceType == typeof(IChatClient) && !state.Decorated.Contains(descriptor))
                {
                    ChatLog.RegisteredAfterAddRaindrop(client.Logger, ChatClientCapture.Describe(descriptor));
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
