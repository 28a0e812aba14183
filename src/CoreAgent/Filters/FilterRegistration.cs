using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace CoreAgent.Commands.Filters;

/// <summary>
/// Adds the filters that need PowerShell to the session's catalog. The engine cannot reference
/// PowerShell, so these live in the cmdlet assembly and are registered when it is first used,
/// before any cmdlet runs: Get-AgentPlugin lists them and every pipeline can use them.
/// </summary>
internal static class FilterRegistration
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The cmdlet assembly is only ever loaded by this module, and the catalog must be complete before the first cmdlet runs.")]
    internal static void Register() => AgentSession.Catalog.Add(PowerShellFilter.Descriptor);
}
