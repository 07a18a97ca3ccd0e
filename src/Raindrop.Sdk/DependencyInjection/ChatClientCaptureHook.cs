using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace Raindrop.DependencyInjection;

/// <summary>
/// The link from <c>AddRaindrop</c> to <see cref="RaindropOptions.CaptureChatClients"/>, which lives in
/// Raindrop.Sdk.Extensions.AI (the package that knows <c>IChatClient</c>; this one does not reference it): the
/// decorator is found by name when that assembly can be loaded, and is absent otherwise (then the option only logs,
/// at start, that the package is missing). <see cref="DynamicDependencyAttribute"/> keeps it through trimming.
/// </summary>
internal static class ChatClientCaptureHook
{
    private const string TypeName = "Raindrop.DependencyInjection.ChatClientCapture, Raindrop.Sdk.Extensions.AI";
    private static Action<IServiceCollection>? s_decorate;
    private static int s_looked;

    /// <summary>Whether Raindrop.Sdk.Extensions.AI was found.</summary>
    public static bool Available => Resolve() is not null;

    /// <summary>Decorates the chat clients registered so far, when the package is there.</summary>
    public static void Decorate(IServiceCollection services) => Resolve()?.Invoke(services);

    [DynamicDependency("Decorate", "Raindrop.DependencyInjection.ChatClientCapture", "Raindrop.Sdk.Extensions.AI")]
    [UnconditionalSuppressMessage("Trimming", "IL2035", Justification = "An app without Raindrop.Sdk.Extensions.AI has nothing to keep: the lookup then finds no type and the option only logs.")]
    private static Action<IServiceCollection>? Resolve()
    {
        if (Volatile.Read(ref s_looked) == 0)
        {
            try
            {
                var method = Type.GetType(TypeName, throwOnError: false)?.GetMethod("Decorate", BindingFlags.Public | BindingFlags.Static, [typeof(IServiceCollection)]);
                s_decorate = method?.CreateDelegate<Action<IServiceCollection>>();
            }
            catch (Exception ex) when (ex is IOException or BadImageFormatException or TypeLoadException)
            {
                s_decorate = null;
            }

            Volatile.Write(ref s_looked, 1);
        }

        return s_decorate;
    }
}
