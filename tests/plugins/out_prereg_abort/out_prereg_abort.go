// out_prereg_abort: FLBPluginPreRegister returns -1, which must abort the
// load before FLBPluginRegister ("preregabort") is ever called.
package main

import (
	"C"
	"log"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

//export FLBPluginPreRegister
func FLBPluginPreRegister(hotReload C.int) int {
	return -1
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	log.Print("[preregabort] Register called although PreRegister returned -1")
	return output.FLBPluginRegister(def, "preregabort", "PreRegister aborts the load")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	return output.FLB_OK
}

func main() {}
