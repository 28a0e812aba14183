BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'ConvertTo-AgentMsgPack' {
    BeforeAll {
        $script:Stamp = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454) # 1795639451.784245400
        function ConvertTo-Hex([byte[]] $Bytes) { [Convert]::ToHexString($Bytes).ToLowerInvariant() }
        function ConvertFrom-Hex([string] $Hex) { [Convert]::FromHexString(($Hex -replace '\s', '')) }
    }

    Context 'the bytes' {
        It 'writes v2 events [[EventTime, {}], {body}] with the keys in order' {
            $bytes = [ordered]@{ msg = 'hi'; n = 7 } | ConvertTo-AgentMsgPack -Timestamp $script:Stamp

            $bytes.GetType().FullName | Should -Be 'System.Byte[]'
            # 92 92 (arrays), d7 00 + seconds + nanoseconds (EventTime), 80 (no metadata), 82 a3 'msg' a2 'hi' a1 'n' 07.
            ConvertTo-Hex $bytes | Should -Be '9292d7006b07489b2ebea29880 82a36d7367a26869a16e07'.Replace(' ', '')
        }

        It 'writes the legacy shape [EventTime, {body}] with -Legacy' {
            $bytes = [ordered]@{ msg = 'hi'; n = 7 } | ConvertTo-AgentMsgPack -Timestamp $script:Stamp -Legacy
            ConvertTo-Hex $bytes | Should -Be '92d7006b07489b2ebea29882a36d7367a26869a16e07'
        }

        It 'writes one byte array for all the piped objects, one event each' {
            $bytes = 1..3 | ForEach-Object { @{ n = $_ } } | ConvertTo-AgentMsgPack -Timestamp $script:Stamp

            $bytes.GetType().FullName | Should -Be 'System.Byte[]'
            $bytes.Length | Should -Be (3 * 17) # 92 92, the EventTime (10), 80, 81 a1 'n' n
            (ConvertFrom-AgentMsgPack $bytes).n | Should -Be @(1, 2, 3)
        }

        It 'writes one event per item of an array given to -InputObject' {
            @(ConvertFrom-AgentMsgPack (ConvertTo-AgentMsgPack -InputObject @(@{ n = 1 }, @{ n = 2 }))).n | Should -Be @(1, 2)
        }

        It 'writes an empty byte array when there is nothing to convert' {
            $bytes = @() | ConvertTo-AgentMsgPack
            $bytes.GetType().FullName | Should -Be 'System.Byte[]'
            $bytes.Length | Should -Be 0
        }
    }

    Context 'round trip through ConvertFrom-AgentMsgPack' {
        It 'keeps nested objects, arrays, bytes, nulls and booleans' {
            $object = [pscustomobject]@{
                name  = 'outer'
                inner = [pscustomobject]@{ level = 2; deeper = @{ level = 3; list = @(1, 'two', $null, $true) } }
                bytes = [byte[]](0, 1, 254, 255)
                none  = $null
                yes   = $true
                no    = $false
                empty = @()
                mixed = @(@(1, 2), [ordered]@{ k = 'v' })
            }

            $r = $object | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack

            @($r.PSObject.Properties.Name) | Should -Be @('name', 'inner', 'bytes', 'none', 'yes', 'no', 'empty', 'mixed', 'Tag', 'Timestamp', 'TimestampNanoseconds', 'Metadata')
            $r.name | Should -BeExactly 'outer'
            $r.inner.level | Should -Be 2
            $r.inner.deeper.level | Should -Be 3
            $r.inner.deeper.list.Count | Should -Be 4
            $r.inner.deeper.list[0] | Should -Be 1
            $r.inner.deeper.list[1] | Should -BeExactly 'two'
            $null -eq $r.inner.deeper.list[2] | Should -BeTrue
            $r.inner.deeper.list[3] | Should -BeTrue
            $r.bytes.GetType().FullName | Should -Be 'System.Byte[]'
            $r.bytes | Should -Be @(0, 1, 254, 255)
            $null -eq $r.none | Should -BeTrue
            $r.yes | Should -BeTrue
            $r.no | Should -BeFalse
            $r.no | Should -BeOfType [bool]
            , $r.empty | Should -BeOfType [object[]]
            $r.empty.Count | Should -Be 0
            $r.mixed[0] | Should -Be @(1, 2)
            $r.mixed[1].k | Should -BeExactly 'v'
        }

        It 'keeps exact nanosecond timestamps and metadata: records convert back to the same bytes' {
            # [[1795639451.784245484, {"mk":"mv"}], {s, n, u, f, t, z, a, m, b, e}]: every msgpack type, an ext included.
            $original = ConvertFrom-Hex @'
                92 92 d7 00 6b07489b 2ebea2ec 81 a2 6d6b a2 6d76
                8a a1 73 a2 6869
                   a1 6e fd
                   a1 75 cf ffffffffffffffff
                   a1 66 cb 3ff8000000000000
                   a1 74 c3
                   a1 7a c0
                   a1 61 93 01 a1 78 90
                   a1 6d 81 a1 6b 81 a1 64 c2
                   a1 62 c4 03 010203
                   a1 65 d4 05 aa
'@
            $r = ConvertFrom-AgentMsgPack $original

            $r.TimestampNanoseconds | Should -Be 784245484
            $r.Metadata.mk | Should -BeExactly 'mv'
            ConvertTo-Hex ($r | ConvertTo-AgentMsgPack) | Should -Be (ConvertTo-Hex $original)
        }

        It 'keeps the nanoseconds of received records' {
            $p = Start-AgentPipeline -Name (New-TestName 'convertto') -Service @{ Flush = 0.05 } -Output powershell `
                -Input @{ Name = 'dummy'; samples = 1; rate = 20; fixed_timestamp = $true; start_time_sec = 1795639451; start_time_nsec = 784245484 }
            try {
                Wait-Until { (Get-Metric $p 'powershell.0' 'proc_records') -eq 1 } -Because 'a record is buffered'
                $back = Receive-AgentRecord $p | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack -Tag again

                $back.message | Should -BeExactly 'dummy'
                $back.TimestampNanoseconds | Should -Be 784245484
                $back.Timestamp | Should -Be $script:Stamp
                $back.Tag | Should -BeExactly 'again'
            }
            finally { Stop-AgentPipeline $p }
        }
    }

    Context 'values' {
        It 'converts <Name> to <Expected>' -ForEach @(
            @{ Name = 'sbyte'; Value = [sbyte]-5; Expected = [long]-5 }
            @{ Name = 'byte'; Value = [byte]200; Expected = [long]200 }
            @{ Name = 'uint32'; Value = [uint32]4000000000; Expected = [long]4000000000 }
            @{ Name = 'long.MinValue'; Value = [long]::MinValue; Expected = [long]::MinValue }
            @{ Name = 'uint64.MaxValue'; Value = [uint64]::MaxValue; Expected = [uint64]::MaxValue }
            @{ Name = 'a small BigInteger'; Value = [bigint]42; Expected = [long]42 }
            @{ Name = 'a huge BigInteger'; Value = [bigint]::Parse('123456789012345678901234567890'); Expected = '123456789012345678901234567890' }
            @{ Name = 'float'; Value = [float]0.5; Expected = [double]0.5 }
            @{ Name = 'decimal'; Value = [decimal]1.25; Expected = [double]1.25 }
            @{ Name = 'char'; Value = [char]'x'; Expected = 'x' }
            @{ Name = 'Guid'; Value = [guid]'6f7d9a52-2c1e-4d0b-9a8e-3f1c5b7e2a41'; Expected = '6f7d9a52-2c1e-4d0b-9a8e-3f1c5b7e2a41' }
            @{ Name = 'Uri'; Value = [uri]'https://example.com/a?b=c'; Expected = 'https://example.com/a?b=c' }
            @{ Name = 'Version'; Value = [version]'1.2.3'; Expected = '1.2.3' }
            @{ Name = 'TimeSpan'; Value = [timespan]'1.02:03:04.5'; Expected = '1.02:03:04.5000000' }
            @{ Name = 'enum'; Value = [System.DayOfWeek]::Monday; Expected = 'Monday' }
            @{ Name = 'flags enum'; Value = [System.IO.FileAttributes]'ReadOnly, Hidden'; Expected = 'ReadOnly, Hidden' }
            @{ Name = 'UTC DateTime'; Value = [datetime]::new(2026, 1, 2, 3, 4, 5, [DateTimeKind]::Utc); Expected = '2026-01-02T03:04:05.0000000Z' }
            @{ Name = 'DateTimeOffset'; Value = [DateTimeOffset]::new(2026, 1, 2, 3, 4, 5, [TimeSpan]::FromHours(2)); Expected = '2026-01-02T03:04:05.0000000+02:00' }
            @{ Name = 'switch'; Value = [switch]$true; Expected = $true }
        ) {
            $r = @{ v = $Value } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            $r.v | Should -Be $Expected
            $r.v.GetType() | Should -Be $Expected.GetType()
        }

        It 'makes a record of a scalar: {"log": value}' {
            $r = 'hello' | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            $r.log | Should -BeExactly 'hello'
            @($r.PSObject.Properties.Name)[0] | Should -Be 'log'
        }

        It 'expands other .NET objects through their properties, and below 4 levels writes their ToString()' {
            $r = [pscustomobject]@{ d = [System.IO.DirectoryInfo]::new('/a/b/c/d/e/f/g') } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack

            $r.d.FullName | Should -BeExactly '/a/b/c/d/e/f/g'
            $r.d.Name | Should -BeExactly 'g'
            $r.d.Parent.FullName | Should -BeExactly '/a/b/c/d/e/f'
            $r.d.Parent.Parent.Parent.FullName | Should -BeExactly '/a/b/c/d'
            $r.d.Parent.Parent.Parent.Parent | Should -BeExactly '/a/b/c'
        }

        It 'ends cycles: an object that holds itself is written as its ToString() where it reappears' {
            $loop = [pscustomobject]@{ name = 'loop' }
            $loop | Add-Member -NotePropertyName self -NotePropertyValue $loop
            $table = @{ name = 'table' }
            $table.me = $table
            $list = [System.Collections.ArrayList]::new()
            $null = $list.Add(1); $null = $list.Add($list)

            $r = @(ConvertTo-AgentMsgPack -InputObject @($loop, $table, @{ list = $list }) | ConvertFrom-AgentMsgPack)

            $r.Count | Should -Be 3
            $r[0].name | Should -BeExactly 'loop'
            $r[0].self | Should -BeOfType [string]
            $r[0].self | Should -BeLike '@{name=loop*'
            $r[1].name | Should -BeExactly 'table'
            $r[1].me | Should -BeExactly 'System.Collections.Hashtable'
            $r[2].list[0] | Should -Be 1
            $r[2].list[1] | Should -BeExactly 'System.Collections.ArrayList'
        }

        It 'handles a 10 MB string' {
            $text = 'y' * (10 * 1024 * 1024)
            $bytes = @{ big = $text } | ConvertTo-AgentMsgPack
            $bytes.Length | Should -BeGreaterThan (10 * 1024 * 1024)
            (ConvertFrom-AgentMsgPack $bytes).big | Should -BeExactly $text
        }
    }

    Context 'the record time' {
        It 'takes a Timestamp property that is a <Kind> as the time and leaves it out of the body' -ForEach @(
            @{ Kind = 'DateTimeOffset'; Value = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454) }
            @{ Kind = 'DateTime'; Value = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454).UtcDateTime }
            @{ Kind = 'local DateTime'; Value = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454).LocalDateTime }
        ) {
            $r = [pscustomobject]@{ Timestamp = $Value; a = 1 } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack

            $r.Timestamp | Should -Be $script:Stamp
            $r.TimestampNanoseconds | Should -Be 784245400
            @($r.PSObject.Properties.Name) | Should -Be @('a', 'Tag', 'Timestamp', 'TimestampNanoseconds', 'Metadata')
        }

        It 'takes a Timestamp key of a hashtable too' {
            $r = @{ Timestamp = $script:Stamp; a = 1 } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            $r.Timestamp | Should -Be $script:Stamp
            $r.PSObject.Properties.Name | Should -Not -Contain '_Timestamp'
        }

        It 'keeps a Timestamp that is not a date in the body' {
            $r = @{ Timestamp = 'yesterday' } | ConvertTo-AgentMsgPack -Timestamp $script:Stamp | ConvertFrom-AgentMsgPack
            $r.Timestamp | Should -BeExactly 'yesterday'
            $r._Timestamp | Should -Be $script:Stamp
        }

        It 'uses the current time otherwise' {
            $before = [DateTimeOffset]::UtcNow.AddSeconds(-1)
            $r = @{ a = 1 } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            $r.Timestamp | Should -BeGreaterThan $before
            $r.Timestamp | Should -BeLessThan ([DateTimeOffset]::UtcNow.AddSeconds(1))
        }

        It 'lets -Timestamp override every record''s own time' {
            $r = [pscustomobject]@{ Timestamp = [DateTimeOffset]::UtcNow; a = 1 } | ConvertTo-AgentMsgPack -Timestamp $script:Stamp | ConvertFrom-AgentMsgPack
            $r.Timestamp | Should -Be $script:Stamp
            @($r.PSObject.Properties.Name) | Should -Be @('a', 'Tag', 'Timestamp', 'TimestampNanoseconds', 'Metadata')
        }

        It 'writes RecordConversionFailed for a time an EventTime cannot hold, and converts the other objects' {
            $bytes = @{ n = 1 }, @{ Timestamp = [datetime]::new(1969, 12, 31, 0, 0, 0, [DateTimeKind]::Utc) }, @{ n = 3 } |
                ConvertTo-AgentMsgPack -ErrorVariable problems -ErrorAction SilentlyContinue

            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'RecordConversionFailed,CoreAgent.Commands.ConvertToAgentMsgPackCommand'
            (ConvertFrom-AgentMsgPack $bytes).n | Should -Be @(1, 3)
        }
    }
}
