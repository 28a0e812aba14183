// Package output is CoreAgent's own implementation of the API of
// github.com/fluent/fluent-bit-go/output, written so that Go output plugins
// (including the upstream examples) build offline against Debian's Go
// toolchain. Only the exported names and the binary layout follow upstream.
package output

/*
#include <stdlib.h>
#include "flb_plugin.h"
#include "flb_output.h"
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

// Results of FLBPluginInit / FLBPluginFlush*, and the plugin definition codes.
const (
	FLB_ERROR = 0
	FLB_OK    = 1
	FLB_RETRY = 2

	FLB_PROXY_OUTPUT_PLUGIN = 2
	FLB_PROXY_GOLANG        = 11
)

// FLBPluginProxyDef is the structure FLBPluginRegister fills in.
type FLBPluginProxyDef C.struct_flb_plugin_proxy_def

// FLBOutPlugin is the structure passed to FLBPluginInit.
type FLBOutPlugin C.struct_flbgo_output_plugin

// FLBPluginRegister fills def as a Go output plugin called name.
// The strings are allocated with malloc; FLBPluginUnregister frees them.
func FLBPluginRegister(def unsafe.Pointer, name, desc string) int {
	d := (*FLBPluginProxyDef)(def)
	d._type = FLB_PROXY_OUTPUT_PLUGIN
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

// FLBPluginConfigKey returns the instance property key, or "" when the
// engine has no value for it.
func FLBPluginConfigKey(plugin unsafe.Pointer, key string) string {
	ckey := C.CString(key)
	defer C.free(unsafe.Pointer(ckey))
	v := C.flbgo_output_get_property(ckey, (*C.struct_flbgo_output_plugin)(plugin))
	if v == nil {
		return ""
	}
	return C.GoString(v)
}

// Contexts live in Go memory; the engine only ever sees their index, stored
// as a pointer-sized integer. Note that the first context is index 0, i.e.
// a NULL remote_context, exactly as with upstream fluent-bit-go.
var (
	contextsMu sync.Mutex
	contexts   []interface{}
)

// FLBPluginSetContext stores ctx for the instance and writes its key into
// plugin->context->remote_context.
func FLBPluginSetContext(plugin unsafe.Pointer, ctx interface{}) {
	p := (*FLBOutPlugin)(plugin)
	if p == nil || p.context == nil {
		fmt.Fprintln(os.Stderr, "[fluent-bit-go] FLBPluginSetContext: plugin->context is NULL")
		return
	}
	contextsMu.Lock()
	i := len(contexts)
	contexts = append(contexts, ctx)
	contextsMu.Unlock()
	p.context.remote_context = unsafe.Pointer(uintptr(i))
}

// FLBPluginGetContext returns the value stored by FLBPluginSetContext for the
// key the engine passed back, or nil for an unknown key.
func FLBPluginGetContext(ctx unsafe.Pointer) interface{} {
	i := int(uintptr(ctx))
	contextsMu.Lock()
	defer contextsMu.Unlock()
	if i < 0 || i >= len(contexts) {
		return nil
	}
	return contexts[i]
}
