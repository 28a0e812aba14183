// out_multiinstance: the shape of fluent-bit-go's examples/out_multiinstance.
// One .so, several [OUTPUT] instances, each with its own context.
//
// Keys: id (any string), path (optional). With path set, each FlushCtx
// appends "<id>\t<tag>\t<records>\n" and ExitCtx appends "exit\t<id>\n";
// without it the records are printed to stdout as upstream does.
package main

import (
	"C"
	"fmt"
	"log"
	"os"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

type instance struct {
	id   string
	path string
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	log.Print("[multiinstance] Register called")
	return output.FLBPluginRegister(def, "multiinstance", "Testing multiple instances.")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	inst := &instance{
		id:   output.FLBPluginConfigKey(plugin, "id"),
		path: output.FLBPluginConfigKey(plugin, "path"),
	}
	log.Printf("[multiinstance] id = %q", inst.id)
	output.FLBPluginSetContext(plugin, inst)
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	log.Print("[multiinstance] Flush called for unknown instance")
	return output.FLB_OK
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	inst, ok := output.FLBPluginGetContext(ctx).(*instance)
	if !ok {
		log.Printf("[multiinstance] FlushCtx with unknown ctx %v", ctx)
		return output.FLB_ERROR
	}
	t := C.GoString(tag)
	dec := output.NewDecoder(data, int(length))
	count := 0
	for {
		ret, ts, record := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		if inst.path == "" {
			fmt.Printf("[%d] %s (id %s): [%v, %d keys]\n", count, t, inst.id, ts, len(record))
		}
		count++
	}
	if inst.path != "" {
		appendLine(inst.path, fmt.Sprintf("%s\t%s\t%d\n", inst.id, t, count))
	}
	return output.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() int {
	log.Print("[multiinstance] Exit called for unknown instance")
	return output.FLB_OK
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	inst, ok := output.FLBPluginGetContext(ctx).(*instance)
	if !ok {
		log.Printf("[multiinstance] ExitCtx with unknown ctx %v", ctx)
		return output.FLB_OK
	}
	log.Printf("[multiinstance] Exit called for id: %s", inst.id)
	if inst.path != "" {
		appendLine(inst.path, "exit\t"+inst.id+"\n")
	}
	return output.FLB_OK
}

//export FLBPluginUnregister
func FLBPluginUnregister(def unsafe.Pointer) {
	log.Print("[multiinstance] Unregister called")
	output.FLBPluginUnregister(def)
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		log.Printf("[multiinstance] %v", err)
		return
	}
	defer f.Close()
	if _, err := f.WriteString(line); err != nil {
		log.Printf("[multiinstance] %v", err)
	}
}

func main() {}
