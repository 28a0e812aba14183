BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Get-AgentRejectedRecord' {
    BeforeAll { $script:Prefix = New-TestName 'rejected' }
    AfterEach { Stop-TestPipeline "$script:Prefix*" }

    It 'returns every record an output rejected, with Tag, Timestamp, Output and Reason, and they can be sent again' {
        $storage = Join-Path $TestDrive 'store'
        # The file output's folder does not exist (no Mkdir): every flush is FLB_ERROR.
        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) `
            -Service @{ Flush = 0.05; 'storage.path' = $storage; 'storage.keep.rejected' = 'on' } `
            -Input @{ Name = 'dummy'; Tag = 'app.bad'; Samples = 3; Copies = 5; Rate = 20; Dummy = '{"msg":"lost","n":1}' } `
            -Output @{ Name = 'file'; Alias = 'disk'; Path = (Join-Path $TestDrive 'missing/dir') }
        Wait-Until { (Get-Metric $p 'disk' 'dropped_records') -eq 15 } -Because 'every record to be rejected'
        Stop-AgentPipeline $p

        $records = @(Get-AgentRejectedRecord -StoragePath $storage)

        $records.Count | Should -Be 15
        $records | ForEach-Object {
            $_.msg | Should -BeExactly 'lost'
            $_.n | Should -Be 1
            $_.Tag | Should -BeExactly 'app.bad'
            $_.Output | Should -BeExactly 'disk'
            $_.Reason | Should -Match 'FLB_ERROR'
            $_.Timestamp | Should -BeOfType [DateTimeOffset]
            $_.PSObject.TypeNames | Should -Contain 'CoreAgent.RejectedRecord'
        }
        @(Get-AgentRejectedRecord $storage -Output 'other*').Count | Should -Be 0
        @(Get-AgentRejectedRecord $storage -Output 'di*').Count | Should -Be 15

        $again = Start-AgentPipeline -Name (New-TestName $script:Prefix) -Service @{ Flush = 0.05 } -Input powershell -Output powershell
        $records | Send-AgentRecord $again
        $received = [System.Collections.Generic.List[object]]::new()
        Wait-Until { foreach ($r in @(Receive-AgentRecord $again)) { $received.Add($r) }; $received.Count -ge 15 } -Because 'the records to be sent again'
        $received.Count | Should -Be 15
        $received[0].msg | Should -BeExactly 'lost'
        $received[0].Timestamp | Should -Be $records[0].Timestamp
        $received[0].PSObject.Properties.Name | Should -Not -Contain 'Reason'   # envelope, not body
        $received[0].PSObject.Properties.Name | Should -Not -Contain 'Output'
    }

    It 'writes a PathNotFound error when there is no dead letter folder' {
        $err = $null
        $out = Get-AgentRejectedRecord (Join-Path $TestDrive 'nothing') -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound*'
    }

    It 'warns about a damaged dead letter file and returns the records before the damage' {
        $storage = Join-Path $TestDrive 'store2'
        $p = Start-AgentPipeline -Name (New-TestName $script:Prefix) `
            -Service @{ Flush = 0.05; 'storage.path' = $storage; 'storage.keep.rejected' = 'on' } `
            -Input @{ Name = 'dummy'; Samples = 1; Copies = 4; Rate = 20 } `
            -Output @{ Name = 'file'; Alias = 'disk'; Path = (Join-Path $TestDrive 'missing/dir') }
        Wait-Until { (Get-Metric $p 'disk' 'dropped_records') -eq 4 } -Because 'the chunk to be rejected'
        Stop-AgentPipeline $p
        $file = @(Get-ChildItem (Join-Path $storage 'rejected'))[0].FullName
        $bytes = [IO.File]::ReadAllBytes($file)
        [IO.File]::WriteAllBytes($file, $bytes[0..($bytes.Length - 4)])

        $warnings = $null
        $out = @(Get-AgentRejectedRecord $storage -WarningVariable warnings -WarningAction SilentlyContinue)

        $out.Count | Should -Be 0
        "$warnings" | Should -Match ([regex]::Escape($file))
        "$warnings" | Should -Match 'truncated'
    }
}
