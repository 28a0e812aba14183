// out_version: registers "versioned" with the description "Build <version>", and
// appends "version=<version> records=<n>" to the file named by "path" per flush.
// build.sh builds it twice: out_version.so (version 1) and out_version2.so
// (-ldflags "-X main.version=2"), two builds of one plugin, for the
// Remove-AgentPlugin / Import-AgentPlugin rebuild test.
package main

import (
	"C"
	"fmt"
	"os"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

var version = "1"

var path string

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "versioned", "Build "+version)
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	path = output.FLBPluginConfigKey(plugin, "path")
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	dec := output.NewDecoder(data, int(length))
	n := 0
	for {
		ret, _, _ := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		n++
	}
	if path != "" {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			return output.FLB_ERROR
		}
		fmt.Fprintf(f, "version=%s records=%d\n", version, n)
		f.Close()
	}
	return output.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() int {
	return output.FLB_OK
}

func main() {}
