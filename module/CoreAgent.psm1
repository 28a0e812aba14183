# The cmdlets, the engine and their dependencies load into CoreAgent's own AssemblyLoadContext
# (see src/CoreAgent.Loader), so a different MessagePack already loaded in the session cannot clash.
Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'CoreAgent.Loader.dll'))
$moduleAssembly = [CoreAgent.Loader.ModuleLoadContext]::Initialize()
# A second Import-Module -Force would otherwise find the old nested binary module and import no cmdlets;
# the load context (and so the session's plugins and pipelines) stays the same.
Get-Module -All | Where-Object { $_.ModuleType -eq 'Binary' -and $_.ImplementingAssembly -eq $moduleAssembly } | Remove-Module -Force
Import-Module -Assembly $moduleAssembly -Force
