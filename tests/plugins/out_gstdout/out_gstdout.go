// out_gstdout: the shape of fluent-bit-go's examples/out_gstdout. Prints
// every record of every chunk to stdout.
package main

import (
	"C"
	"fmt"
	"sort"
	"strings"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
)

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "gstdout", "Stdout GO!")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	if param := output.FLBPluginConfigKey(plugin, "param"); param != "" {
		fmt.Printf("[flb-go] plugin parameter = '%s'\n", param)
	}
	return output.FLB_OK
}

//export FLBPluginFlush
func FLBPluginFlush(data unsafe.Pointer, length C.int, tag *C.char) int {
	dec := output.NewDecoder(data, int(length))
	t := C.GoString(tag)
	var sb strings.Builder
	for count := 0; ; count++ {
		ret, ts, record := output.GetRecord(dec)
		if ret != 0 {
			break
		}
		fmt.Fprintf(&sb, "[%d] %s: [%s, {%s}]\n", count, t, stamp(ts), fields(record))
	}
	fmt.Print(sb.String())
	return output.FLB_OK
}

//export FLBPluginExit
func FLBPluginExit() int {
	return output.FLB_OK
}

// stamp prints seconds.nanoseconds like Fluent Bit's stdout output.
func stamp(ts interface{}) string {
	switch t := ts.(type) {
	case output.FLBTime:
		return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
	case uint64:
		return fmt.Sprintf("%d.000000000", t)
	}
	return fmt.Sprint(ts)
}

// fields prints "k": v pairs sorted by key; strings and []byte are quoted.
func fields(m map[interface{}]interface{}) string {
	parts := make([]string, 0, len(m))
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%v: %v", text(k), text(v)))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

func text(v interface{}) interface{} {
	switch x := v.(type) {
	case []byte:
		return fmt.Sprintf("%q", x)
	case string:
		return fmt.Sprintf("%q", x)
	case []interface{}:
		out := make([]interface{}, len(x))
		for i := range x {
			out[i] = text(x[i])
		}
		return out
	case map[interface{}]interface{}:
		return "{" + fields(x) + "}"
	}
	return v
}

func main() {}
