// in_wrongtype: registers itself as an INPUT plugin (type 1, proxy 11, name
// "wrongtype"). It also exports Init and Flush, so an output host can only
// reject it because of the registered type.
package main

/*
#cgo CFLAGS: -I${SRCDIR}/../gopath/src/github.com/fluent/fluent-bit-go/output
#include <stdlib.h>
#include "flb_plugin.h"
*/
import "C"

import "unsafe"

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	d := (*C.struct_flb_plugin_proxy_def)(def)
	d._type = C.FLB_PROXY_INPUT_PLUGIN // 1
	d.proxy = C.FLB_PROXY_GOLANG       // 11
	d.flags = 0
	d.name = C.CString("wrongtype")
	d.description = C.CString("Registers as an input plugin")
	return 0
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	return C.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	return C.FLB_OK
}

func main() {}
