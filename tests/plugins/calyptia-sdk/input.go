package plugin

/*
#include <stdlib.h>
#include "flb_plugin.h"
*/
import "C"

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"time"
	"unsafe"

	"github.com/ugorji/go/codec"
)

var (
	collecting sync.Once
	collected  chan Message
)

// FLBPluginInputCallback blocks until Collect sends a message (or a second passes with none),
// then returns it and whatever else is waiting, as legacy events [EventTime, {record}] in a C buffer.
//
//export FLBPluginInputCallback
func FLBPluginInputCallback(data *unsafe.Pointer, size *C.size_t) int {
	collecting.Do(func() {
		collected = make(chan Message, 64)
		go func() {
			if err := registeredInput.Collect(context.Background(), collected); err != nil {
				fmt.Fprintf(os.Stderr, "collect: %v\n", err)
			}
		}()
	})
	var out []byte
	select {
	case m := <-collected:
		out = appendEvent(out, m)
	case <-time.After(time.Second):
		return C.FLB_OK
	}
	for more := true; more; {
		select {
		case m := <-collected:
			out = appendEvent(out, m)
		default:
			more = false
		}
	}
	*data = C.CBytes(out)
	*size = C.size_t(len(out))
	return C.FLB_OK
}

// FLBPluginInputCleanupCallback frees what FLBPluginInputCallback returned.
//
//export FLBPluginInputCleanupCallback
func FLBPluginInputCleanupCallback(data unsafe.Pointer) int {
	C.free(data)
	return C.FLB_OK
}

func appendEvent(out []byte, m Message) []byte {
	out = append(out, 0x92, 0xd7, 0x00)
	out = binary.BigEndian.AppendUint32(out, uint32(m.Time.Unix()))
	out = binary.BigEndian.AppendUint32(out, uint32(m.Time.Nanosecond()))
	var body []byte
	if err := codec.NewEncoderBytes(&body, &codec.MsgpackHandle{}).Encode(m.Record); err != nil {
		return append(out, 0x80)
	}
	return append(out, body...)
}
