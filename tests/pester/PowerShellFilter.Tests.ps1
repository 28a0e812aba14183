BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'powershell filter (-Filter { script block })' {
    BeforeAll {
        $script:Prefix = 'psfilter-{0}' -f [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Counter = Get-TestPlugin 'out_counter'
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }

        # One dummy input per record body: a dummy with several JSON objects does not pass
        # property validation yet, so each n gets its own input. Each emits $Samples records.
        function New-Inputs([string[]] $Bodies, [int] $Samples = 2) {
            foreach ($body in $Bodies) {
                @{ Name = 'dummy'; Tag = 'app.log'; Dummy = $body; Samples = $Samples; Rate = 20; metadata = '{"m":"v"}' } + $script:Stamp
            }
        }

        # Runs the pipeline until every input has produced its samples, stops it, and returns the
        # pipeline handle and the records out_counter wrote (one decoded JSON object per record).
        function Invoke-Filtered([object[]] $Inputs, [object[]] $Filter, [int] $Expected, [hashtable] $Service = @{}) {
            $path = Join-Path $TestDrive ('{0}.jsonl' -f [guid]::NewGuid().ToString('N'))
            $p = Start-AgentPipeline -Name "$script:Prefix-$([guid]::NewGuid().ToString('N').Substring(0, 6))" -PluginPath $script:Counter `
                -Input $Inputs -Filter $Filter -Output @{ Name = 'counter'; Match = '*'; id = 'f'; path = $path } `
                -Service (@{ Flush = 0.1 } + $Service)
            Wait-Until { (@($p.Inputs | ForEach-Object { $_.Metrics['records'] }) | Measure-Object -Sum).Sum -ge $Expected } -Because "$Expected records produced"
            $p | Stop-AgentPipeline
            $lines = Read-JsonLines $path
            [pscustomobject]@{
                Pipeline = $p
                Records  = @($lines | Where-Object { -not $_.exit })
                Exit     = @($lines | Where-Object { $_.exit })
            }
        }

        function Get-Log($Pipeline) { @($Pipeline.RecentLog | ForEach-Object Message) }
    }

    AfterEach {
        Get-AgentPipeline | Where-Object { $_.Name -like "$script:Prefix*" -and $_.State -eq 'Running' } | Stop-AgentPipeline
    }

    It 'drops the records for which the block returns $false' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}') -Filter { $_.n -gt 2 } -Expected 8

        $run.Records.Count | Should -Be 4
        @($run.Records.record.n | Sort-Object) | Should -Be @(3, 3, 4, 4)
        $run.Exit.total | Should -Be 4
        # Kept records go on byte for byte: tag, time and metadata included.
        $run.Records | ForEach-Object {
            $_.tag | Should -BeExactly 'app.log'
            $_.sec | Should -Be 1795639451
            $_.nsec | Should -Be 784245484
            $_.meta.m | Should -BeExactly 'v'
        }
        # The inputs count what they produced; the output what it received.
        (@($run.Pipeline.Inputs | ForEach-Object { $_.Metrics['records'] }) | Measure-Object -Sum).Sum | Should -Be 8
        $run.Pipeline.Outputs[0].Metrics['proc_records'] | Should -Be 4
    }

    It 'drops a record for $null and for no output, keeps it for $true' {
        $filter = { switch ($_.n) { 1 { $null } 2 { } 3 { $true } 4 { $false } } }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}' -Samples 1) -Filter $filter -Expected 4

        @($run.Records.record.n) | Should -Be @(3)
    }

    It 'ends a record at return or continue, keeping what was output before' {
        $filter = { if ($_.n -eq 1) { return $false }; if ($_.n -eq 2) { continue }; if ($_.n -eq 3) { $true; continue }; $true }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}' -Samples 1) -Filter $filter -Expected 4

        @($run.Records.record.n | Sort-Object) | Should -Be @(3, 4)
    }

    It 'replaces the body with the hashtable the block returns' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"msg":"hello","n":1}', '{"msg":"world","n":2}') -Filter { @{ msg = $_.msg.ToUpper() } } -Expected 4

        $run.Records.Count | Should -Be 4
        @($run.Records.record.msg | Sort-Object -Unique) | Should -Be @('HELLO', 'WORLD')
        # The hashtable is the whole new body; time and metadata stay.
        $run.Records | ForEach-Object {
            @($_.record.PSObject.Properties.Name) | Should -Be @('msg')
            $_.sec | Should -Be 1795639451
            $_.meta.m | Should -BeExactly 'v'
        }
    }

    It 'keeps $_ with the changes the block made to it, without Tag and Timestamp' {
        $filter = { $_.msg = "$($_.msg) from $($_.Tag) at $($_.Timestamp.ToUnixTimeSeconds())"; $_ | Add-Member extra 42; $_ }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"msg":"hi","n":7}' -Samples 1) -Filter $filter -Expected 1

        $record = $run.Records[0].record
        $record.msg | Should -BeExactly 'hi from app.log at 1795639451'
        $record.n | Should -Be 7
        $record.extra | Should -Be 42
        @($record.PSObject.Properties.Name | Sort-Object) | Should -Be @('extra', 'msg', 'n')
    }

    It 'moves a record in time when the block changes $_.Timestamp' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 1) -Filter { $_.Timestamp = $_.Timestamp.AddSeconds(10); $_ } -Expected 1

        $run.Records[0].sec | Should -Be 1795639461
        $run.Records[0].nsec | Should -Be 784245484
        $run.Records[0].meta.m | Should -BeExactly 'v'
        @($run.Records[0].record.PSObject.Properties.Name) | Should -Be @('n')
    }

    It 'keeps every value of a record that goes through unchanged' {
        $body = '{"s":"x","i":-3,"big":18446744073709551615,"f":1.5,"b":true,"z":null,"a":[1,"y"],"m":{"k":"v"}}'
        $run = Invoke-Filtered -Inputs (New-Inputs $body -Samples 1) -Filter { $_ } -Expected 1

        $run.Records[0].record | ConvertTo-Json -Compress -Depth 5 |
            Should -BeExactly ('{"a":[1,"y"],"b":true,"big":18446744073709551615,"f":1.5,"i":-3,"m":{"k":"v"},"s":"x","z":null}')
    }

    It 'makes one record per object when the block outputs several' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 3) -Filter { $_; @{ copy = $_.n } } -Expected 3

        $run.Records.Count | Should -Be 6
        @($run.Records | Where-Object { $_.record.copy -eq 1 }).Count | Should -Be 3
    }

    It 'runs filters in order, and -Filter takes grep hashtables too' {
        $grep = @{ Name = 'grep'; Match = 'app.*'; Regex = 'msg ^b' }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"msg":"apple"}', '{"msg":"banana"}', '{"msg":"berry"}') `
            -Filter $grep, { @{ msg = $_.msg.ToUpper() } } -Expected 6

        @($run.Records.record.msg | Sort-Object) | Should -Be @('BANANA', 'BANANA', 'BERRY', 'BERRY')
    }

    It 'narrows a script filter to some tags with a hashtable and Match' {
        $inputs = @(
            @{ Name = 'dummy'; Tag = 'keep.me'; Dummy = '{"n":1}'; Samples = 2; Rate = 20 }
            @{ Name = 'dummy'; Tag = 'drop.me'; Dummy = '{"n":2}'; Samples = 2; Rate = 20 }
        )
        $run = Invoke-Filtered -Inputs $inputs -Filter @{ Name = 'powershell'; Match = 'drop.*'; Script = { $false } } -Expected 4

        @($run.Records.tag | Sort-Object -Unique) | Should -Be @('keep.me')
        $run.Records.Count | Should -Be 2
    }

    It 'passes the chunk unchanged and warns with the record count when the block throws' {
        $filter = {
            if ($_.n -eq 1) { throw 'bad record' }
        }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 3) -Filter $filter -Expected 3

        $run.Records.Count | Should -Be 3
        # The line is the script's own (line 1 is the empty one after the opening brace).
        Get-Log $run.Pipeline |
            Where-Object { $_ -match "^powershell\.0: the script failed on a chunk of \d+ records of 'app\.log', which pass unchanged: bad record \(line 2 of the script\)$" } |
            Should -Not -BeNullOrEmpty
    }

    It 'passes the chunk unchanged when a statement fails (no silent drop)' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 2) -Filter { $_.missing.ToUpper(); $true } -Expected 2

        $run.Records.Count | Should -Be 2
        Get-Log $run.Pipeline | Where-Object { $_ -like '*the script failed on a chunk*null-valued*' } | Should -Not -BeNullOrEmpty
    }

    It 'passes the chunk unchanged when the block outputs something that is not a record' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 2) -Filter { 'text' } -Expected 2

        $run.Records.Count | Should -Be 2
        Get-Log $run.Pipeline | Where-Object { $_ -like "*gave a String ('text'): output `$true or `$false*" } | Should -Not -BeNullOrEmpty
    }

    It 'forwards what the block writes with Write-Warning to the pipeline log' {
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":5}' -Samples 1) -Filter { Write-Warning "saw $($_.n)"; $true } -Expected 1

        Get-Log $run.Pipeline | Should -Contain 'powershell.0: saw 5'
    }

    It 'cancels a block that never ends when the pipeline stops, passing its chunk unchanged' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}' -Samples 1) -Filter { while ($true) { } } -Expected 1 -Service @{ Grace = 1 }
        $clock.Stop()

        $clock.Elapsed.TotalSeconds | Should -BeLessThan 30
        $run.Pipeline.State | Should -BeExactly 'Stopped'
        Get-Log $run.Pipeline | Where-Object { $_ -like '*filter powershell.0 still running at the end of the grace period*' } | Should -Not -BeNullOrEmpty
    }

    It 'reads the caller''s variables with $using:, copied when the pipeline is defined (as ForEach-Object -Parallel)' {
        $threshold = 1
        $extra = @{ env = 'prod' }
        $tags = 'a', 'b'
        $filter = { if ($_.n -gt $using:threshold) { @{ n = $_.n; env = $using:extra['env']; second = $using:tags[1]; home = $using:env:HOME } } }
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}', '{"n":2}', '{"n":3}' -Samples 1) -Filter $filter -Expected 3
        $threshold = 99 # a copy was taken: changing the variable now changes nothing

        @($run.Records.record.n | Sort-Object) | Should -Be @(2, 3)
        $run.Records | ForEach-Object {
            $_.record.env | Should -BeExactly 'prod'
            $_.record.second | Should -BeExactly 'b'
            $_.record.home | Should -BeExactly $env:HOME
        }
    }

    It 'takes $using: in the hashtable form too, and says which variable is not set' {
        $limit = 2
        $run = Invoke-Filtered -Inputs (New-Inputs '{"n":1}', '{"n":2}' -Samples 1) -Filter @{ Name = 'powershell'; Match = 'app.*'; Script = { $_.n -eq $using:limit } } -Expected 2
        @($run.Records.record.n) | Should -Be @(2)

        $e = try { New-AgentPipeline -Name "$script:Prefix-using" -Input dummy -Filter { $_.n -gt $using:notSetAnywhere } -Output null } catch { $_ }
        $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
        $e.Exception.Message | Should -BeLike "*'`$using:notSetAnywhere' cannot be retrieved because it has not been set*"
    }

    It 'refuses $using: in a configuration file, which has no caller' {
        $conf = Join-Path $TestDrive 'using.conf'
        Set-Content $conf "[INPUT]`n    Name dummy`n[FILTER]`n    Name powershell`n    Match *`n    Script `$_.n -gt `$using:threshold`n[OUTPUT]`n    Name null`n    Match *"
        $e = try { Start-AgentPipeline -Name "$script:Prefix-usingconf" -Path $conf -ErrorAction Stop } catch { $_ }
        $e.Exception.Message | Should -BeLike "*'`$using:threshold'*a configuration file has no caller*"
    }

    It 'refuses param() and named blocks: the script is the body run for each record' {
        foreach ($block in { process { $_ } }, { param($x) $true }, { begin { } end { } }) {
            $e = try { New-AgentPipeline -Name "$script:Prefix-blocks" -Input dummy -Filter $block -Output null } catch { $_ }

            $e.FullyQualifiedErrorId | Should -BeExactly 'InvalidPipelineDefinition,CoreAgent.Commands.NewAgentPipelineCommand'
            $e.Exception.Message | Should -BeLike '*the script is the body run for each record*'
        }
    }

    It 'fails the start, naming the line, when a script given as text does not parse' {
        $p = New-AgentPipeline -Name "$script:Prefix-parse" -Input dummy -Output null `
            -Filter @{ Name = 'powershell'; Match = '*'; Script = "`$true`nif (" }
        $e = try { Start-AgentPipeline $p -ErrorAction Stop } catch { $_ }

        $e.FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
        $e.Exception.Message | Should -BeLike "property 'script': line 2:*"
        $p.State | Should -BeExactly 'Failed'
    }

    It 'is listed by Get-AgentPlugin with its script property' {
        $plugin = Get-AgentPlugin powershell -Type Filter
        $plugin.Type | Should -BeExactly 'Filter'
        $plugin.Properties.Name | Should -Contain 'script'
        $plugin.Properties.Name | Should -Contain 'match'
    }
}
