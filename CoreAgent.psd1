@{
    RootModule           = 'CoreAgent.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f7d9a52-2c1e-4d0b-9a8e-3f1c5b7e2a41'
    Author               = 'CoreAgent team'
    CompanyName          = 'CoreAgent'
    Copyright            = '(c) CoreAgent team. Apache-2.0.'
    Description          = 'A Fluent Bit-class log and metrics pipeline engine in PowerShell, able to run Fluent Bit Go output plugins.'
    PowerShellVersion    = '7.4'
    CompatiblePSEditions = @('Core')
    FormatsToProcess     = @('CoreAgent.format.ps1xml')
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'Import-AgentPlugin'
        'Get-AgentPlugin'
        'Remove-AgentPlugin'
        'New-AgentPipeline'
        'New-AgentSection'
        'Start-AgentPipeline'
        'Stop-AgentPipeline'
        'Get-AgentPipeline'
        'Wait-AgentPipeline'
        'Test-AgentConfig'
        'Test-AgentPipeline'
        'Receive-AgentRecord'
        'Send-AgentRecord'
        'ConvertTo-AgentMsgPack'
        'ConvertFrom-AgentMsgPack'
        'Invoke-AgentOutput'
        'Get-AgentRejectedRecord'
        'Get-AgentMetric'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('FluentBit', 'Logging', 'Telemetry', 'Pipeline', 'Linux')
            ProjectUri = 'https://example.invalid/coreagent'
        }
    }
}
