using System.Reflection;
using System.Runtime.InteropServices;

namespace Raindrop;

/// <summary>The SDK's name and version as sent in <c>User-Agent</c> and <c>$context</c>.</summary>
internal static class SdkInfo
{
    public const string Name = "raindrop-dotnet";

    public static readonly string Version = GetVersion();

    public static readonly string OsName =
        OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macos" : OperatingSystem.IsLinux() ? "linux" : "other";

    public static readonly string UserAgent =
        $"{Name}/{Version} (.NET {Environment.Version}; {RuntimeInformation.RuntimeIdentifier})";

    private static string GetVersion()
    {
        var info = typeof(SdkInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (string.IsNullOrEmpty(info))
        {
            return "0.0.0";
        }

        var plus = info.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? info : info[..plus];
    }
}
