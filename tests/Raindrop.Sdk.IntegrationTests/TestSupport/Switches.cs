using System.Runtime.CompilerServices;

namespace Raindrop.Sdk.IntegrationTests.TestSupport;

/// <summary>The switches an app sets to make its AI libraries emit spans (the README's auto-capture table), set once for the assembly.</summary>
internal static class Switches
{
    [ModuleInitializer]
    internal static void TurnOn()
    {
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnostics", true);
        AppContext.SetSwitch("Microsoft.SemanticKernel.Experimental.GenAI.EnableOTelDiagnosticsSensitive", true);
    }
}
