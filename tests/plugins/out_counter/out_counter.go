// out_counter: decodes every record and, when "path" is set, appends one JSON
// line per record to that file; without "path" it only counts (benchmarks).
//
// Keys: id, path, probe_reserved ("true": Init also asks for the reserved key
// "host" and appends "host=<value>" to path).
//
// Lines:
//
//	{"id":"a","tag":"t","sec":1,"nsec":2,"meta":{},"record":{"k":"v"}}
//	{"id":"a","tag":"t","error":-4}      a value that is not a record
//	{"id":"a","exit":true,"total":2}     ExitCtx; total = records decoded
package main

import (
	"C"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log"
	"math"
	"os"
	"sync"
	"unsafe"

	"github.com/fluent/fluent-bit-go/output"
	"github.com/ugorji/go/codec"
)

type counter struct {
	id   string
	path string

	mu    sync.Mutex // guards total and the file appends
	total uint64
}

type recordLine struct {
	ID     string                 `json:"id"`
	Tag    string                 `json:"tag"`
	Sec    uint64                 `json:"sec"`
	Nsec   uint64                 `json:"nsec"`
	Meta   map[string]interface{} `json:"meta"`
	Record map[string]interface{} `json:"record"`
}

type errorLine struct {
	ID    string `json:"id"`
	Tag   string `json:"tag"`
	Error int    `json:"error"`
}

type exitLine struct {
	ID    string `json:"id"`
	Exit  bool   `json:"exit"`
	Total uint64 `json:"total"`
}

//export FLBPluginRegister
func FLBPluginRegister(def unsafe.Pointer) int {
	return output.FLBPluginRegister(def, "counter", "Counts records, optionally writes them as JSON lines")
}

//export FLBPluginInit
func FLBPluginInit(plugin unsafe.Pointer) int {
	c := &counter{
		id:   output.FLBPluginConfigKey(plugin, "id"),
		path: output.FLBPluginConfigKey(plugin, "path"),
	}
	if output.FLBPluginConfigKey(plugin, "probe_reserved") == "true" {
		host := output.FLBPluginConfigKey(plugin, "host")
		if c.path != "" {
			c.appendBytes([]byte("host=" + host + "\n"))
		}
	}
	output.FLBPluginSetContext(plugin, c)
	return output.FLB_OK
}

//export FLBPluginFlushCtx
func FLBPluginFlushCtx(ctx, data unsafe.Pointer, length C.int, tag *C.char) int {
	c, ok := output.FLBPluginGetContext(ctx).(*counter)
	if !ok {
		log.Printf("[counter] FlushCtx with unknown ctx %v", ctx)
		return output.FLB_ERROR
	}
	t := C.GoString(tag)
	dec := output.NewDecoder(data, int(length))

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var n uint64
	for {
		ret, ts, meta, rec := output.GetRecordWithMetadata(dec)
		if ret == -1 {
			break
		}
		if ret != 0 {
			if c.path != "" {
				enc.Encode(errorLine{ID: c.id, Tag: t, Error: ret})
			}
			continue
		}
		n++
		if c.path == "" {
			continue
		}
		line := recordLine{ID: c.id, Tag: t, Meta: jsonMap(meta), Record: jsonMap(rec)}
		switch x := ts.(type) {
		case output.FLBTime:
			line.Sec, line.Nsec = uint64(x.Unix()), uint64(x.Nanosecond())
		case uint64:
			line.Sec = x
		}
		if err := enc.Encode(line); err != nil {
			log.Printf("[counter] %v", err)
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	c.total += n
	if buf.Len() > 0 {
		c.appendBytes(buf.Bytes())
	}
	return output.FLB_OK
}

//export FLBPluginExitCtx
func FLBPluginExitCtx(ctx unsafe.Pointer) int {
	c, ok := output.FLBPluginGetContext(ctx).(*counter)
	if !ok {
		log.Printf("[counter] ExitCtx with unknown ctx %v", ctx)
		return output.FLB_OK
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path != "" {
		b, _ := json.Marshal(exitLine{ID: c.id, Exit: true, Total: c.total})
		c.appendBytes(append(b, '\n'))
	}
	return output.FLB_OK
}

// appendBytes writes b with one write call (O_APPEND, no fsync).
func (c *counter) appendBytes(b []byte) {
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		log.Printf("[counter] %v", err)
		return
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		log.Printf("[counter] %v", err)
	}
}

func jsonMap(m map[interface{}]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(m))
	for k, v := range m {
		out[keyString(k)] = jsonValue(v)
	}
	return out
}

func keyString(k interface{}) string {
	switch x := k.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	}
	return fmt.Sprint(k)
}

// jsonValue turns a decoded msgpack value into something encoding/json
// prints faithfully: []byte as string, int64/uint64 as exact numbers.
func jsonValue(v interface{}) interface{} {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case map[interface{}]interface{}:
		return jsonMap(x)
	case []interface{}:
		out := make([]interface{}, len(x))
		for i := range x {
			out[i] = jsonValue(x[i])
		}
		return out
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x) // JSON has no NaN/Inf
		}
	case float32:
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Sprint(x)
		}
	case output.FLBTime:
		return map[string]interface{}{"$ext": 0, "sec": x.Unix(), "nsec": x.Nanosecond()}
	case codec.RawExt:
		return map[string]interface{}{"$ext": x.Tag, "hex": hex.EncodeToString(x.Data)}
	}
	return v
}

func main() {}
