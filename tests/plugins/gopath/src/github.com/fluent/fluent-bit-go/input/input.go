// Package input is CoreAgent's own implementation of the API of
// github.com/fluent/fluent-bit-go/input, written so that Go input plugins
// build offline against Debian's Go toolchain. Only the exported names and
// the binary layout follow upstream.
package input

/*
#include <stdlib.h>
#include "flb_plugin.h"
#include "flb_input.h"
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

// Results of FLBPluginInit / FLBPluginInputCallback*, the plugin definition
// codes and the log levels of log_print.
const (
	FLB_ERROR = 0
	FLB_OK    = 1
	FLB_RETRY = 2

	FLB_PROXY_INPUT_PLUGIN = 1
	FLB_PROXY_GOLANG       = 11

	FLB_LOG_ERROR = 1
	FLB_LOG_WARN  = 2
	FLB_LOG_INFO  = 3
	FLB_LOG_DEBUG = 4
	FLB_LOG_TRACE = 5
)

// FLBPluginProxyDef is the structure FLBPluginRegister fills in.
type FLBPluginProxyDef C.struct_flb_plugin_proxy_def

// FLBInPlugin is the structure passed to FLBPluginInit.
type FLBInPlugin C.struct_flbgo_input_plugin

// FLBPluginRegister fills def as a Go input plugin called name.
func FLBPluginRegister(def unsafe.Pointer, name, desc string) int {
	d := (*FLBPluginProxyDef)(def)
	d._type = FLB_PROXY_INPUT_PLUGIN
	d.proxy = FLB_PROXY_GOLANG
	d.flags = 0
	d.name = C.CString(name)
	d.description = C.CString(desc)
	return 0
}

// FLBPluginUnregister frees the strings FLBPluginRegister allocated.
func FLBPluginUnregister(def unsafe.Pointer) {
	d := (*FLBPluginProxyDef)(def)
	C.free(unsafe.Pointer(d.name))
	C.free(unsafe.Pointer(d.description))
	d.name = nil
	d.description = nil
}

// FLBPluginConfigKey returns the instance property key, or "".
func FLBPluginConfigKey(plugin unsafe.Pointer, key string) string {
	ckey := C.CString(key)
	defer C.free(unsafe.Pointer(ckey))
	v := C.flbgo_input_get_property(ckey, (*C.struct_flbgo_input_plugin)(plugin))
	if v == nil {
		return ""
	}
	return C.GoString(v)
}

// FLBPluginLogPrint hands message to the engine's log_print as the format
// string, with no arguments.
func FLBPluginLogPrint(plugin unsafe.Pointer, level int, message string) {
	cmsg := C.CString(message)
	defer C.free(unsafe.Pointer(cmsg))
	C.flbgo_input_log_print((*C.struct_flbgo_input_plugin)(plugin), C.int(level), cmsg)
}

var (
	contextsMu sync.Mutex
	contexts   []interface{}
)

// FLBPluginSetContext stores ctx for the instance and writes its key
// (index + 1, so never NULL) into plugin->context->remote_context.
func FLBPluginSetContext(plugin unsafe.Pointer, ctx interface{}) {
	p := (*FLBInPlugin)(plugin)
	if p == nil || p.context == nil {
		fmt.Fprintln(os.Stderr, "[fluent-bit-go] FLBPluginSetContext: plugin->context is NULL")
		return
	}
	contextsMu.Lock()
	contexts = append(contexts, ctx)
	i := len(contexts)
	contextsMu.Unlock()
	p.context.remote_context = unsafe.Pointer(uintptr(i))
}

// FLBPluginGetContext returns the value stored by FLBPluginSetContext.
func FLBPluginGetContext(ctx unsafe.Pointer) interface{} {
	i := int(uintptr(ctx)) - 1
	contextsMu.Lock()
	defer contextsMu.Unlock()
	if i < 0 || i >= len(contexts) {
		return nil
	}
	return contexts[i]
}
