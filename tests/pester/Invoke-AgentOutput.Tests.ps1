BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Invoke-AgentOutput' {
    BeforeAll {
        $script:CounterPath = Get-TestPlugin 'out_counter'
        $script:ResultPath = Get-TestPlugin 'out_result'
        $script:InitFailPath = Get-TestPlugin 'out_initfail'
        $script:Stamp = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454)
        function Get-RecordLine([string] $File) { @(Get-FileLine $File | Where-Object { $_ -like '*"record":*' }) }
    }

    Context 'Go plugins' {
        It 'reports Retry (2) when out_result answers FLB_RETRY' {
            $r = @{ n = 1 }, @{ n = 2 }, @{ n = 3 } | Invoke-AgentOutput result -PluginPath $script:ResultPath -Property @{ result = 'retry' }

            @($r).Count | Should -Be 1
            $r.PSObject.TypeNames[0] | Should -BeExactly 'CoreAgent.OutputResult'
            $r.Plugin | Should -BeExactly 'result'
            $r.Result | Should -BeExactly 'Retry'
            $r.ResultCode | Should -Be 2
            $r.Records | Should -Be 3
            $r.RequestedKeys | Should -Contain 'result'
        }

        It 'reports <Result> (<Code>) for result=<Value>' -ForEach @(
            @{ Value = 'ok'; Result = 'Ok'; Code = 1 }
            @{ Value = 'error'; Result = 'Error'; Code = 0 }
            @{ Value = '7'; Result = 'Error'; Code = 0 }
        ) {
            $r = Invoke-AgentOutput result -InputObject @{ n = 1 } -PluginPath $script:ResultPath -Property @{ result = $Value }
            $r.Result | Should -BeExactly $Result
            $r.ResultCode | Should -Be $Code
        }

        It 'flushes every object to out_counter as one chunk and reports the records, bytes and keys' {
            $file = Join-Path $TestDrive 'counter.jsonl'
            $objects = 1..4 | ForEach-Object { [pscustomobject]@{ Timestamp = $script:Stamp; n = $_; name = "r$_" } }

            $r = $objects | Invoke-AgentOutput counter -PluginPath $script:CounterPath -Tag app.log -Property @{ id = 'inv'; path = $file }

            $r.Result | Should -BeExactly 'Ok'
            $r.ResultCode | Should -Be 1
            $r.Records | Should -Be 4
            $r.Bytes | Should -Be ($objects | ConvertTo-AgentMsgPack).Length
            $r.Tag | Should -BeExactly 'app.log'
            $r.Duration | Should -BeOfType [TimeSpan]
            $r.RequestedKeys | Should -Contain 'id'
            $r.RequestedKeys | Should -Contain 'path'
            $lines = Get-RecordLine $file
            $lines.Count | Should -Be 4
            for ($i = 0; $i -lt 4; $i++) {
                $line = $lines[$i] | ConvertFrom-Json
                $line.id | Should -BeExactly 'inv'
                $line.tag | Should -BeExactly 'app.log'
                $line.sec | Should -Be 1795639451
                $line.nsec | Should -Be 784245400
                $line.record.n | Should -Be ($i + 1)
                $line.record.name | Should -BeExactly "r$($i + 1)"
            }
            # The plugin exited: out_counter writes its total at ExitCtx.
            (Get-FileLine $file)[-1] | Should -BeExactly '{"id":"inv","exit":true,"total":4}'
        }

        It 'uses the tag powershell.0 by default' {
            $file = Join-Path $TestDrive 'default-tag.jsonl'
            $null = @{ a = 1 } | Invoke-AgentOutput counter -PluginPath $script:CounterPath -Property @{ id = 'd'; path = $file }
            (@(Get-RecordLine $file)[0] | ConvertFrom-Json).tag | Should -BeExactly 'powershell.0'
        }

        It 'flushes when -Match covers the tag' {
            $file = Join-Path $TestDrive 'match.jsonl'
            $r = @{ a = 1 } | Invoke-AgentOutput counter -PluginPath $script:CounterPath -Tag app.log -Match 'app.*' -Property @{ id = 'm'; path = $file }
            $r.Records | Should -Be 1
            (Get-RecordLine $file).Count | Should -Be 1
        }

        It 'writes TagNotMatched and flushes nothing when -Match does not cover the tag' {
            $file = Join-Path $TestDrive 'nomatch.jsonl'
            $r = @{ a = 1 } | Invoke-AgentOutput counter -PluginPath $script:CounterPath -Tag app.log -Match 'other.*' -Property @{ id = 'm'; path = $file } -ErrorVariable problems -ErrorAction SilentlyContinue
            $r | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'TagNotMatched,CoreAgent.Commands.InvokeAgentOutputCommand'
            Test-Path $file | Should -BeFalse
        }
    }

    Context 'built-in plugins' {
        It 'runs the null output' {
            $r = Invoke-AgentOutput null -InputObject @{ a = 1 }, @{ a = 2 }
            $r.Result | Should -BeExactly 'Ok'
            $r.Records | Should -Be 2
            $r.RequestedKeys.Count | Should -Be 0
        }
    }

    Context 'completion' {
        It 'completes -Plugin with output plugins only' {
            $null = Import-AgentPlugin $script:CounterPath
            $names = @((TabExpansion2 -inputScript 'Invoke-AgentOutput ' -cursorColumn 19).CompletionMatches.CompletionText)
            $names | Should -Contain 'null'
            $names | Should -Contain 'powershell'
            $names | Should -Contain 'counter'
            $names | Should -Not -Contain 'dummy'
            @((TabExpansion2 -inputScript 'Invoke-AgentOutput co' -cursorColumn 21).CompletionMatches.CompletionText) | Should -Be @('counter')
        }
    }

    Context 'errors' {
        It 'fails with OutputInitFailed when the plugin''s Init fails' {
            { @{ a = 1 } | Invoke-AgentOutput initfail -PluginPath $script:InitFailPath -ErrorAction Stop } |
                Should -Throw -ErrorId 'OutputInitFailed,CoreAgent.Commands.InvokeAgentOutputCommand' -ExpectedMessage '*refused to start: FLBPluginInit returned 0 (FLB_ERROR)*'
        }

        It 'fails with OutputInitFailed when out_result cannot parse its result' {
            { @{ a = 1 } | Invoke-AgentOutput result -PluginPath $script:ResultPath -Property @{ result = 'sometimes' } -ErrorAction Stop } |
                Should -Throw -ErrorId 'OutputInitFailed,CoreAgent.Commands.InvokeAgentOutputCommand'
        }

        It 'fails with OutputInitFailed for a property a built-in plugin does not have' {
            { @{ a = 1 } | Invoke-AgentOutput null -Property @{ bogus = 1 } -ErrorAction Stop } |
                Should -Throw -ErrorId 'OutputInitFailed,CoreAgent.Commands.InvokeAgentOutputCommand' -ExpectedMessage "*unknown property 'bogus'*"
        }

        It 'fails with OutputPluginNotFound for an unknown plugin' {
            { @{ a = 1 } | Invoke-AgentOutput nosuchplugin -ErrorAction Stop } |
                Should -Throw -ErrorId 'OutputPluginNotFound,CoreAgent.Commands.InvokeAgentOutputCommand' -ExpectedMessage "*no output plugin 'nosuchplugin'*"
        }

        It 'fails with the Import-AgentPlugin error for a -PluginPath that does not exist' {
            { @{ a = 1 } | Invoke-AgentOutput x -PluginPath (Join-Path $TestDrive 'nosuch.so') -ErrorAction Stop } |
                Should -Throw -ErrorId 'PluginNotFound,CoreAgent.Commands.InvokeAgentOutputCommand'
        }
    }
}
