BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $root = Resolve-Path (Join-Path $PSScriptRoot '../..')
    # Restored by tests/install-prerequisites.sh (tests/pester/MessagePackRestore); CoreAgent ships 2.5.x.
    $script:OldMessagePack = Join-Path $root 'out/nuget/messagepack/2.2.85/lib/netstandard2.0/MessagePack.dll'
    if (-not (Test-Path $script:OldMessagePack)) {
        throw "MessagePack 2.2.85 is missing at $($script:OldMessagePack): run tests/install-prerequisites.sh"
    }
}

Describe 'The module AssemblyLoadContext' {
    It 'runs a pipeline after another MessagePack version was loaded into the default context' {
        $modulePath = (Resolve-Path $script:ModulePath).Path
        # A fresh process (Invoke-ChildPwsh, common.ps1): assemblies cannot be unloaded.
        $result = Invoke-ChildPwsh @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$($script:OldMessagePack)'
Import-Module '$modulePath'
`$pipeline = Start-AgentPipeline -Input @{ Name = 'dummy'; Samples = 2; Rate = 20 } -Output @{ Name = 'stdout'; Format = 'json_lines' } -Wait -Duration 00:00:03
'STATE ' + `$pipeline.State
'RECORDS ' + `$pipeline.Outputs[0].Metrics.proc_records
foreach (`$assembly in [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'MessagePack' }) {
    'MESSAGEPACK {0} {1}' -f `$assembly.GetName().Version, [Runtime.Loader.AssemblyLoadContext]::GetLoadContext(`$assembly).Name
}
"@

        $result.ExitCode | Should -Be 0 -Because "$($result.Output -join "`n")`n$($result.Error)"
        $records = @($result.Output | Where-Object { $_ -like '{*' } | ForEach-Object { $_ | ConvertFrom-Json })
        $records.Count | Should -Be 2
        $records.message | Should -Be @('dummy', 'dummy')
        $result.Output | Should -Contain 'STATE Stopped'
        $result.Output | Should -Contain 'RECORDS 2'

        $loaded = @($result.Output | Where-Object { $_ -like 'MESSAGEPACK *' })
        $loaded | Should -HaveCount 2
        $loaded | Should -Contain 'MESSAGEPACK 2.2.0.0 Default' -Because 'the other module''s MessagePack stays in the default context'
        ($loaded -like 'MESSAGEPACK 2.5.* CoreAgent') | Should -HaveCount 1 -Because 'CoreAgent loads its own MessagePack into its own context'
    }
}
