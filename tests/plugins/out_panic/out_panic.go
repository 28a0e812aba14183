// out_panic: registers "panicker"; FLBPluginFlush panics. An unrecovered Go
// panic aborts the whole process (exit code 134), so only load this in a
// separate plugin host process.
package main

import (
	"C"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "panicker", "Panics in flush")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	panic("out_panic: deliberate panic in FLBPluginFlush")
}

//export FLBPluginExit
func FLBPluginExit() int {
	return output.FLB_OK
}

func main() {}
