# The cmdlets, the engine and their dependencies load into CoreAgent's own AssemblyLoadContext
# (see src/CoreAgent.Loader), so a different MessagePack already loaded in the session cannot clash.
Add-Type -Path ([System.IO.Path]::Combine($PSScriptRoot, 'bin', 'CoreAgent.Loader.dll'))
$moduleAssembly = [CoreAgent.Loader.ModuleLoadContext]::Initialize()
Import-Module -Assembly $moduleAssembly -Force
