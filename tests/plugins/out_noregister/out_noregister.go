// out_noregister: a valid c-shared Go library that exports FLBPluginInit and
// FLBPluginFlush but not the required FLBPluginRegister. Loading it must fail.
package main

import (
	"C"
	"unsafe"
)

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	return 1 // FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	return 1 // FLB_OK
}

func main() {}
