BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'Import-AgentPlugin' {
    BeforeAll {
        $script:Prefix = New-TestName 'import'
        $script:Counter = Get-TestPlugin 'out_counter'
        $script:Multi = Get-TestPlugin 'out_multiinstance'
        $script:Stamp = @{ start_time_sec = 1795639451; start_time_nsec = 784245484; fixed_timestamp = $true }
    }

    AfterAll { Stop-TestPipeline "$script:Prefix*" }

    Context 'a Go output plugin' {
        It 'returns the plugin with its name, description, type, source and path' {
            $plugin = Import-AgentPlugin -Path $script:Counter

            @($plugin).Count | Should -Be 1
            $plugin.GetType().FullName | Should -Be 'CoreAgent.Commands.AgentPluginInfo'
            $plugin.Name | Should -BeExactly 'counter'
            $plugin.Description | Should -BeExactly 'Counts records, optionally writes them as JSON lines'
            $plugin.Type | Should -BeExactly 'Output'
            $plugin.Source | Should -BeExactly 'Go'
            $plugin.Path | Should -BeExactly $script:Counter
            # Go plugins take any key; the ones listed are those the engine handles for every Go output.
            @($plugin.Properties.Name) | Should -Be @('event_shape', 'isolation')
            # Imported without being loaded: its registration was read in a short-lived plugin host.
            Test-MappedInProcess $script:Counter | Should -BeFalse
            $plugin.Isolation | Should -BeExactly 'Process'
            $plugin.LoadedInProcess | Should -BeFalse
            $plugin.SdkRevision | Should -BeExactly 'unknown'
            $plugin.EventShape | Should -BeExactly 'V2'
            $plugin.EntryPoints | Should -Contain 'FLBPluginFlushCtx'
        }

        It 'shows the build-info SDK revision and the legacy shape of an old-SDK plugin' {
            $plugin = Import-AgentPlugin -Path (Get-TestPlugin 'modlegacy_out_times')

            $plugin.SdkRevision | Should -BeExactly 'v0.0.0-20220225140424-d3d1b2b18a85'
            $plugin.EventShape | Should -BeExactly 'Legacy'
            $plugin.EventShapeReason | Should -Match 'older than a7a013e'
        }

        It 'lists the imported plugin in Get-AgentPlugin' {
            Import-AgentPlugin $script:Counter | Out-Null

            $listed = @(Get-AgentPlugin -Name 'counter')
            $listed.Count | Should -Be 1
            $listed[0].Source | Should -BeExactly 'Go'
            $listed[0].Path | Should -BeExactly $script:Counter
        }

        It 'returns the same plugin when the same file is imported twice, without an error or a second entry' {
            $first = Import-AgentPlugin $script:Counter -ErrorVariable errors1
            $second = Import-AgentPlugin $script:Counter -ErrorVariable errors2

            $errors1.Count + $errors2.Count | Should -Be 0
            $second.Name | Should -BeExactly $first.Name
            $second.Path | Should -BeExactly $first.Path
            $second.Description | Should -BeExactly $first.Description
            @(Get-AgentPlugin -Name 'counter').Count | Should -Be 1
        }

        It 'treats a relative path as relative to the current location' {
            Push-Location (Split-Path $script:Counter)
            try { $plugin = Import-AgentPlugin './out_counter.so' }
            finally { Pop-Location }

            $plugin.Name | Should -BeExactly 'counter'
            $plugin.Path | Should -BeExactly $script:Counter
        }

        It 'treats a symbolic link to a loaded file as the same plugin' {
            $link = Join-Path $TestDrive 'link-to-counter.so'
            New-Item -ItemType SymbolicLink -Path $link -Target $script:Counter | Out-Null

            $plugin = Import-AgentPlugin $link -ErrorVariable problems

            $problems.Count | Should -Be 0
            $plugin.Name | Should -BeExactly 'counter'
            $plugin.Path | Should -BeExactly $script:Counter
            @(Get-AgentPlugin -Name 'counter').Count | Should -Be 1
        }

        It 'imports several paths given as an array, in order' {
            $plugins = @(Import-AgentPlugin -Path $script:Counter, $script:Multi)

            $plugins.Count | Should -Be 2
            $plugins[0].Name | Should -BeExactly 'counter'
            $plugins[1].Name | Should -BeExactly 'multiinstance'
            $plugins[1].Description | Should -BeExactly 'Testing multiple instances.'
            $plugins[1].Path | Should -BeExactly $script:Multi
        }
    }

    Context 'pipeline input' {
        It 'accepts paths as strings from the pipeline' {
            $plugins = @($script:Multi, $script:Counter | Import-AgentPlugin)

            $plugins.Count | Should -Be 2
            $plugins[0].Name | Should -BeExactly 'multiinstance'
            $plugins[1].Name | Should -BeExactly 'counter'
        }

        It 'accepts file objects from Get-ChildItem (FullName/PSPath)' {
            $plugins = @(Get-ChildItem -LiteralPath (Split-Path $script:Counter) -Filter 'out_counter.so' | Import-AgentPlugin)

            $plugins.Count | Should -Be 1
            $plugins[0].Name | Should -BeExactly 'counter'
            $plugins[0].Path | Should -BeExactly $script:Counter
        }

        It 'accepts objects with a Path property' {
            $plugins = @([pscustomobject]@{ Path = $script:Multi } | Import-AgentPlugin)

            $plugins.Count | Should -Be 1
            $plugins[0].Name | Should -BeExactly 'multiinstance'
        }
    }

    Context '-WhatIf' {
        It 'loads nothing: no output, no error, the file is not mapped and not listed' {
            $copy = Join-Path $TestDrive 'whatif-copy.so'
            Copy-Item (Get-TestPlugin 'out_result') $copy

            $result = Import-AgentPlugin $copy -WhatIf -ErrorVariable problems

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 0
            Test-MappedInProcess $copy | Should -BeFalse
            @(Get-AgentPlugin | Where-Object Path -EQ $copy).Count | Should -Be 0
        }
    }

    Context 'files that are not usable plugins' {
        BeforeAll {
            $script:NotElf = Join-Path $TestDrive 'not-elf.so'
            Set-Content -LiteralPath $script:NotElf -Value 'this is a text file, not a shared object'
            $script:Empty = Join-Path $TestDrive 'empty.so'
            New-Item -ItemType File -Path $script:Empty | Out-Null
            $script:Truncated = Join-Path $TestDrive 'truncated.so'
            [System.IO.File]::WriteAllBytes($script:Truncated, [System.IO.File]::ReadAllBytes($script:Counter)[0..199])
            $script:Missing = Join-Path $TestDrive 'does-not-exist.so'
            $script:Directory = Join-Path $TestDrive 'a-directory.so'
            New-Item -ItemType Directory -Path $script:Directory | Out-Null
            # Copies of a real plugin with one ELF header field changed: they must be refused before dlopen.
            function New-PatchedElf([string] $Name, [int] $Offset, [byte[]] $Bytes) {
                $data = [System.IO.File]::ReadAllBytes($script:Counter)
                [array]::Copy($Bytes, 0, $data, $Offset, $Bytes.Length)
                $path = Join-Path $TestDrive $Name
                [System.IO.File]::WriteAllBytes($path, $data)
                $path
            }
            $script:Elf32 = New-PatchedElf 'elf32.so' 4 @(1)               # EI_CLASS: 32-bit
            $script:BigEndian = New-PatchedElf 'big-endian.so' 5 @(2)      # EI_DATA: big-endian
            $script:Executable = New-PatchedElf 'executable.so' 0x10 @(2, 0) # e_type: ET_EXEC
            $script:Relocatable = New-PatchedElf 'object.so' 0x10 @(1, 0)  # e_type: ET_REL
            $script:Arm64 = New-PatchedElf 'arm64.so' 0x12 @(183, 0)       # e_machine: AArch64
        }

        It '<Case> gives <ErrorId> and returns nothing' -ForEach @(
            @{ Case = 'out_noregister (no FLBPluginRegister)'; Plugin = 'out_noregister'; ErrorId = 'PluginMissingSymbol'; Category = 'InvalidData' }
            @{ Case = 'in_wrongtype (an input without an input callback)'; Plugin = 'in_wrongtype'; ErrorId = 'PluginMissingSymbol'; Category = 'InvalidData' }
            @{ Case = 'out_prereg_abort (PreRegister returns -1)'; Plugin = 'out_prereg_abort'; ErrorId = 'PluginRegistrationAborted'; Category = 'InvalidData' }
            @{ Case = 'a missing file'; File = 'Missing'; ErrorId = 'PluginNotFound'; Category = 'ObjectNotFound' }
            @{ Case = 'a text file'; File = 'NotElf'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'an empty file'; File = 'Empty'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'a truncated ELF file'; File = 'Truncated'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'a 32-bit ELF file'; File = 'Elf32'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'a big-endian ELF file'; File = 'BigEndian'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'an ELF executable (ET_EXEC)'; File = 'Executable'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'an ELF object file (ET_REL)'; File = 'Relocatable'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'an ELF shared object for AArch64'; File = 'Arm64'; ErrorId = 'PluginNotSharedObject'; Category = 'InvalidData' }
            @{ Case = 'a directory'; File = 'Directory'; ErrorId = 'PluginNotFound'; Category = 'ObjectNotFound' }
        ) {
            $path = if ($Plugin) { Get-TestPlugin $Plugin } else { Get-Variable -Scope Script -Name $File -ValueOnly }

            $result = Import-AgentPlugin $path -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly "$ErrorId,CoreAgent.Commands.ImportAgentPluginCommand"
            $problems[0].CategoryInfo.Category | Should -Be $Category
            $problems[0].TargetObject | Should -BeExactly $path
            $problems[0].Exception.Message | Should -Not -BeNullOrEmpty
            if ($File) { Test-MappedInProcess $path | Should -BeFalse -Because 'a file that is not a plugin must be refused before dlopen' }
        }

        It 'names the missing symbol, the wrong type and the abort in the message' {
            Import-AgentPlugin (Get-TestPlugin 'out_noregister') -ErrorVariable e1 -ErrorAction SilentlyContinue
            Import-AgentPlugin (Get-TestPlugin 'in_wrongtype') -ErrorVariable e2 -ErrorAction SilentlyContinue
            Import-AgentPlugin (Get-TestPlugin 'out_prereg_abort') -ErrorVariable e3 -ErrorAction SilentlyContinue

            $e1[0].Exception.Message | Should -Match 'FLBPluginRegister'
            $e2[0].Exception.Message | Should -Match 'input'
            $e3[0].Exception.Message | Should -Match 'FLBPluginPreRegister'
        }

        It 'refuses a file without FLBPluginRegister before loading it (it is never mapped)' {
            $noRegister = Get-TestPlugin 'out_noregister'
            Import-AgentPlugin $noRegister -ErrorAction SilentlyContinue

            Test-MappedInProcess $noRegister | Should -BeFalse
        }

        It 'refuses an ELF executable that exports no Fluent Bit symbols, without loading it' {
            $executable = (Get-Command -Name 'true' -CommandType Application | Select-Object -First 1).Source
            $executable = (Get-Item $executable).ResolvedTarget ?? $executable
            # ET_DYN (3, a PIE executable) passes the shared-object check and lacks FLBPluginRegister; ET_EXEC (2) is not a shared object.
            $elfType = [System.IO.File]::ReadAllBytes($executable)[0x10]
            $expected = if ($elfType -eq 3) { 'PluginMissingSymbol' } else { 'PluginNotSharedObject' }

            Import-AgentPlugin $executable -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly "$expected,CoreAgent.Commands.ImportAgentPluginCommand"
            Test-MappedInProcess $executable | Should -BeFalse
        }

        It 'does not list plugins that failed to load' {
            foreach ($name in 'out_noregister', 'in_wrongtype', 'out_prereg_abort') {
                Import-AgentPlugin (Get-TestPlugin $name) -ErrorAction SilentlyContinue
            }

            Get-AgentPlugin -Name 'wrongtype', 'preregabort' -ErrorVariable notFound -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $notFound.Count | Should -Be 2
            @(Get-AgentPlugin | Where-Object { $_.Path -like '*out_noregister.so' -or $_.Path -like '*in_wrongtype.so' -or $_.Path -like '*out_prereg_abort.so' }).Count | Should -Be 0
        }

        It 'gives PluginNameConflict for a different file that registers a name already taken' {
            Import-AgentPlugin $script:Counter | Out-Null
            $copy = Join-Path $TestDrive 'counter-copy.so'
            Copy-Item $script:Counter $copy

            $result = Import-AgentPlugin $copy -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginNameConflict,CoreAgent.Commands.ImportAgentPluginCommand'
            $problems[0].TargetObject | Should -BeExactly $copy
            $listed = @(Get-AgentPlugin -Name 'counter')
            $listed.Count | Should -Be 1
            $listed[0].Path | Should -BeExactly $script:Counter
        }

        It 'keeps going after a bad path: the good paths of the same call are imported' {
            $plugins = @(Import-AgentPlugin -Path $script:Missing, $script:Counter, $script:NotElf -ErrorVariable problems -ErrorAction SilentlyContinue)

            $plugins.Count | Should -Be 1
            $plugins[0].Name | Should -BeExactly 'counter'
            $problems.Count | Should -Be 2
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PluginNotFound,CoreAgent.Commands.ImportAgentPluginCommand'
            $problems[1].FullyQualifiedErrorId | Should -BeExactly 'PluginNotSharedObject,CoreAgent.Commands.ImportAgentPluginCommand'
        }

        It 'is a terminating error with -ErrorAction Stop' {
            { Import-AgentPlugin $script:Missing -ErrorAction Stop } |
                Should -Throw -ErrorId 'PluginNotFound,CoreAgent.Commands.ImportAgentPluginCommand'
        }
    }

    Context 'the session keeps working after every failure' {
        BeforeAll {
            foreach ($name in 'out_noregister', 'in_wrongtype', 'out_prereg_abort', 'out_initfail') {
                Import-AgentPlugin (Get-TestPlugin $name) -ErrorAction SilentlyContinue | Out-Null
            }
            Import-AgentPlugin (Join-Path $TestDrive 'nothing-here.so') -ErrorAction SilentlyContinue
            $text = Join-Path $TestDrive 'text.so'
            Set-Content -LiteralPath $text -Value 'not a plugin'
            Import-AgentPlugin $text -ErrorAction SilentlyContinue
            Start-AgentPipeline -Name (New-TestName "$script:Prefix-failing") -Input dummy -Output initfail -ErrorAction SilentlyContinue
        }

        It 'imports a good plugin and runs a pipeline through it with exact records' {
            $out = Join-Path $TestDrive 'after-failures.jsonl'
            Import-AgentPlugin $script:Counter | Out-Null

            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-after") `
                -Input (@{ Name = 'dummy'; dummy = '{"after":"failures"}'; copies = 3; samples = 1; rate = 20 } + $script:Stamp) `
                -Output @{ Name = 'counter'; id = 'after'; path = $out }
            $p.State | Should -BeExactly 'Running'
            Wait-Until { (Get-Metric $p 'counter.0' 'proc_records') -eq 3 } -Because 'the three records reach counter'
            Stop-AgentPipeline $p

            $line = '{"id":"after","tag":"dummy.0","sec":1795639451,"nsec":784245484,"meta":{},"record":{"after":"failures"}}'
            Get-FileLine $out | Should -Be @($line, $line, $line, '{"id":"after","exit":true,"total":3}')
            $p.State | Should -BeExactly 'Stopped'
        }

        It 'still runs the built-in plugins' {
            $p = Start-AgentPipeline -Name (New-TestName "$script:Prefix-builtin") -Input @{ Name = 'dummy'; copies = 5; samples = 1; rate = 20 } -Output null
            Wait-Until { (Get-Metric $p 'null.0' 'proc_records') -eq 5 } -Because 'five records reach null'
            Stop-AgentPipeline $p
            Get-Metric $p 'dummy.0' 'records' | Should -Be 5
        }
    }

    Context 'a plugin whose FLBPluginInit fails' {
        BeforeAll {
            $script:InitFail = Import-AgentPlugin (Get-TestPlugin 'out_initfail')
        }

        It 'imports (the failure shows only when an instance starts)' {
            $script:InitFail.Name | Should -BeExactly 'initfail'
            $script:InitFail.Type | Should -BeExactly 'Output'
        }

        It 'gives PipelineStartFailed from Start-AgentPipeline and leaves no pipeline running' {
            $name = New-TestName "$script:Prefix-initfail"

            $result = Start-AgentPipeline -Name $name -Input dummy -Output initfail -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
            $problems[0].Exception.Message | Should -Match 'initfail'
            $problems[0].Exception.Message | Should -Match 'FLBPluginInit returned 0'
            $pipelines = @(Get-AgentPipeline -Name $name)
            $pipelines.Count | Should -Be 1
            $pipelines[0].State | Should -BeExactly 'Failed'
            $pipelines[0].Error | Should -Match 'FLBPluginInit returned 0'
            @(Get-AgentPipeline | Where-Object { $_.Name -eq $name -and $_.State -in 'Running', 'Starting', 'Stopping' }).Count | Should -Be 0
            @(Wait-AgentPipeline -Name $name -Timeout '00:00:10').Count | Should -Be 1
        }

        It 'exits the outputs that had already initialised, and the input never produces' {
            $out = Join-Path $TestDrive 'before-initfail.jsonl'
            $name = New-TestName "$script:Prefix-initfail2"
            Import-AgentPlugin $script:Counter | Out-Null

            Start-AgentPipeline -Name $name -Input dummy `
                -Output @{ Name = 'counter'; id = 'first'; path = $out; Match = '*' }, @{ Name = 'initfail'; Match = '*' } `
                -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
            Get-FileLine $out | Should -Be @('{"id":"first","exit":true,"total":0}')
            $p = Get-AgentPipeline -Name $name
            $p.State | Should -BeExactly 'Failed'
            $p.StartTime | Should -BeNullOrEmpty
            Get-Metric $p 'dummy.0' 'records' | Should -Be 0
        }

        It 'fails the same way when the pipeline was created first' {
            $p = New-AgentPipeline -Name (New-TestName "$script:Prefix-initfail3") -Input dummy -Output initfail

            $result = $p | Start-AgentPipeline -ErrorVariable problems -ErrorAction SilentlyContinue

            $result | Should -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'PipelineStartFailed,CoreAgent.Commands.StartAgentPipelineCommand'
            $problems[0].TargetObject.Id | Should -Be $p.Id
            $p.State | Should -BeExactly 'Failed'
        }
    }
}

Describe 'Start failures say what they mean' {
    It 'a refused Init is one error that says what FLBPluginInit returning 0 means' {
        $name = New-TestName 'initmeaning'
        Start-AgentPipeline -Name $name -PluginPath (Get-TestPlugin 'out_initfail') -Input dummy -Output initfail `
            -ErrorVariable problems -WarningVariable warnings -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $problems.Count | Should -Be 1
        $problems[0].Exception.Message | Should -BeLike "*refused to start: FLBPluginInit returned 0 (FLB_ERROR)*rejected its configuration*"
        @($warnings | Where-Object { "$_" -like '*FLBPluginInit*' }).Count | Should -Be 0
    }

    It 'a folder given to Import-AgentPlugin is named as a folder, with the plugins in it' {
        $folder = Split-Path (Get-TestPlugin 'out_counter')
        { Import-AgentPlugin $folder -ErrorAction Stop } | Should -Throw "*is a folder, not a plugin file*out_counter.so*"
    }
}
