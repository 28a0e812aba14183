BeforeAll { . (Join-Path $PSScriptRoot 'common.ps1') }

Describe 'ConvertFrom-AgentMsgPack' {
    BeforeAll {
        function ConvertFrom-Hex([string] $Hex) { [Convert]::FromHexString(($Hex -replace '\s', '')) }
        $script:Stamp = [DateTimeOffset]::FromUnixTimeSeconds(1795639451).AddTicks(7842454)
        # [[1795639451.784245484, {"mk":"mv"}], {"k":"v"}]
        $script:V2 = ConvertFrom-Hex '92 92 d7006b07489b2ebea2ec 81a26d6ba26d76 81a16ba176'
        # [1795639451.784245484, {"k":"v"}]
        $script:LegacyTime = ConvertFrom-Hex '92 d7006b07489b2ebea2ec 81a16ba176'
        # [1795639451, {"k":"v"}]
        $script:LegacySeconds = ConvertFrom-Hex '92 ce6b07489b 81a16ba176'
    }

    Context 'shapes' {
        It 'decodes a v2 event with its metadata and exact time' {
            $r = ConvertFrom-AgentMsgPack $script:V2

            $r.PSObject.TypeNames[0] | Should -BeExactly 'CoreAgent.Record'
            $r.k | Should -BeExactly 'v'
            $r.Timestamp | Should -Be $script:Stamp
            $r.TimestampNanoseconds | Should -Be 784245484
            $r.Metadata.mk | Should -BeExactly 'mv'
            $null -eq $r.Tag | Should -BeTrue
        }

        It 'decodes the legacy [EventTime, body] shape with empty metadata' {
            $r = ConvertFrom-AgentMsgPack $script:LegacyTime
            $r.k | Should -BeExactly 'v'
            $r.TimestampNanoseconds | Should -Be 784245484
            @($r.Metadata.PSObject.Properties).Count | Should -Be 0
        }

        It 'decodes the legacy [seconds, body] shape' {
            $r = ConvertFrom-AgentMsgPack $script:LegacySeconds
            $r.k | Should -BeExactly 'v'
            $r.Timestamp | Should -Be ([DateTimeOffset]::FromUnixTimeSeconds(1795639451))
            $r.TimestampNanoseconds | Should -Be 0
        }

        It 'decodes several events, of mixed shapes, in order, and -Tag names their tag' {
            $records = @(ConvertFrom-AgentMsgPack ([byte[]]($script:V2 + $script:LegacyTime + $script:LegacySeconds)) -Tag app.log)
            $records.Count | Should -Be 3
            $records.Tag | Should -Be @('app.log', 'app.log', 'app.log')
            $records.TimestampNanoseconds | Should -Be @(784245484, 784245484, 0)
        }

        It 'joins byte arrays that arrive from the pipeline, even one byte at a time' {
            $bytes = [byte[]]($script:V2 + $script:V2)
            @($bytes | ConvertFrom-AgentMsgPack).Count | Should -Be 2
            @(ConvertTo-AgentMsgPack @{ a = 1 } | ConvertFrom-AgentMsgPack).a | Should -Be 1
        }

        It 'returns nothing for no bytes' {
            @(ConvertFrom-AgentMsgPack ([byte[]]@())).Count | Should -Be 0
        }
    }

    Context 'values' {
        It 'maps msgpack types to .NET types' {
            # {"i": 7, "neg": -3, "u": 2^64-1, "f32": 0.5 (float32), "f": 1.5, "s": "x", "b": bin 0102, "t": true, "z": nil, "a": [1], "m": {"k": "v"}, "e": ext 5 aa}
            $bytes = ConvertFrom-Hex @'
                92 92 d7006b07489b00000000 80
                8c a1 69 07  a3 6e6567 fd  a1 75 cfffffffffffffffff  a3 663332 ca3f000000  a1 66 cb3ff8000000000000
                   a1 73 a1 78  a1 62 c4020102  a1 74 c3  a1 7a c0  a1 61 9101  a1 6d 81a16ba176  a1 65 d405aa
'@
            $r = ConvertFrom-AgentMsgPack $bytes

            $r.i | Should -BeOfType [long]
            $r.neg | Should -Be -3
            $r.neg | Should -BeOfType [long]
            $r.u | Should -Be ([uint64]::MaxValue)
            $r.u | Should -BeOfType [uint64]
            $r.f32 | Should -Be 0.5
            $r.f32 | Should -BeOfType [double]
            $r.f | Should -BeOfType [double]
            $r.s | Should -BeOfType [string]
            $r.b.GetType().FullName | Should -Be 'System.Byte[]'
            $r.b | Should -Be @(1, 2)
            $r.t | Should -BeOfType [bool]
            $null -eq $r.z | Should -BeTrue
            , $r.a | Should -BeOfType [object[]]
            $r.m.k | Should -BeExactly 'v'
            $r.e.GetType().FullName | Should -Be 'System.Byte[]'
            $r.e | Should -Be @(0xaa)
            $r.e.MsgPackExtensionType | Should -Be 5
        }

        It 'keeps the last value of a repeated key and moves a key that differs only in case to _key' {
            # {"k": 1, "k": 2, "K": 3}
            $r = ConvertFrom-AgentMsgPack (ConvertFrom-Hex '92 92 d7006b07489b00000000 80 83 a16b01 a16b02 a14b03')
            @($r.PSObject.Properties.Name)[0..1] | Should -Be @('k', '_K')
            $r.k | Should -Be 2
            $r._K | Should -Be 3
        }

        It 'prefixes keys named like the members every object has, so they cannot hide them' {
            $r = [ordered]@{ psobject = 1; PSTypeNames = 2; x = 3 } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            @($r.PSObject.Properties.Name)[0..2] | Should -Be @('_psobject', '_PSTypeNames', 'x')
            $r.PSObject.TypeNames[0] | Should -BeExactly 'CoreAgent.Record'
            $r._psobject | Should -Be 1
        }

        It 'moves the record''s Metadata and TimestampNanoseconds when the body uses the names' {
            $r = @{ Metadata = 'body'; TimestampNanoseconds = 'body too' } | ConvertTo-AgentMsgPack | ConvertFrom-AgentMsgPack
            $r.Metadata | Should -BeExactly 'body'
            $r.TimestampNanoseconds | Should -BeExactly 'body too'
            $r._Metadata.GetType().Name | Should -Be 'PSCustomObject'
            $r._TimestampNanoseconds | Should -BeOfType [uint32]
        }
    }

    Context '-Path' {
        It 'reads files, wildcards included' {
            $dir = Join-Path $TestDrive 'chunks'
            $null = New-Item -ItemType Directory $dir
            [IO.File]::WriteAllBytes((Join-Path $dir 'a.msgpack'), $script:V2)
            [IO.File]::WriteAllBytes((Join-Path $dir 'b.msgpack'), [byte[]]($script:V2 + $script:LegacySeconds))

            @(ConvertFrom-AgentMsgPack -Path (Join-Path $dir 'a.msgpack')).Count | Should -Be 1
            @(ConvertFrom-AgentMsgPack -Path (Join-Path $dir '*.msgpack') -Tag t).Count | Should -Be 3
        }

        It 'writes PathNotFound for a missing file' {
            $null = ConvertFrom-AgentMsgPack -Path (Join-Path $TestDrive 'nosuch.msgpack') -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'PathNotFound,*'
        }
    }

    Context 'invalid bytes' {
        It 'writes InvalidMsgPack naming the byte offset, after the records before it' {
            $bytes = [byte[]]($script:V2 + [byte[]](0x92, 0x01))

            $records = @(ConvertFrom-AgentMsgPack $bytes -ErrorVariable problems -ErrorAction SilentlyContinue)

            $records.Count | Should -Be 1
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeExactly 'InvalidMsgPack,CoreAgent.Commands.ConvertFromAgentMsgPackCommand'
            $problems[0].Exception.Message | Should -BeExactly "event at byte $($script:V2.Length) is truncated"
        }

        It 'writes InvalidMsgPack for <What>' -ForEach @(
            @{ What = 'a value that is not an event'; Hex = '93010203'; Message = 'event at byte 0 is not a 2-element array' }
            @{ What = 'a body that is not a map'; Hex = '92ce6b07489b01'; Message = 'event body at byte 0 is not a map' }
            @{ What = 'a signed timestamp'; Hex = '92d0ff81a16ba176'; Message = 'event at byte 0 has a signed integer timestamp' }
            @{ What = 'a byte that is no msgpack'; Hex = 'c1'; Message = 'event at byte 0 *' }
            @{ What = 'a str32 longer than 2^31 bytes'; Hex = '92ce6b07489b81a161db8000000041'; Message = 'event at byte 0 is truncated: a length in it is larger than the bytes that follow' }
            @{ What = 'a bin32 key of length 2^32-1'; Hex = '92ce6b07489b81c6ffffffff61'; Message = 'event at byte 0 is truncated*' }
        ) {
            $null = ConvertFrom-AgentMsgPack (ConvertFrom-Hex $Hex) -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems.Count | Should -Be 1
            $problems[0].FullyQualifiedErrorId | Should -BeLike 'InvalidMsgPack,*'
            $problems[0].Exception.Message | Should -BeLike $Message
        }

        It 'names the file in the error of -Path' {
            $file = Join-Path $TestDrive 'bad.msgpack'
            [IO.File]::WriteAllBytes($file, [byte[]](0x93, 1, 2, 3))
            $null = ConvertFrom-AgentMsgPack -Path $file -ErrorVariable problems -ErrorAction SilentlyContinue
            $problems[0].Exception.Message | Should -BeExactly "${file}: event at byte 0 is not a 2-element array"
        }
    }
}
