package input

import (
	"encoding/binary"
	"reflect"
	"time"

	"github.com/ugorji/go/codec"
)

// FLBTime is a record time, encoded as Fluent Bit's EventTime (msgpack ext 0:
// big-endian seconds, then nanoseconds).
type FLBTime struct {
	time.Time
}

type timeExt struct{}

func (timeExt) WriteExt(v interface{}) []byte {
	var t time.Time
	switch x := v.(type) {
	case FLBTime:
		t = x.Time
	case *FLBTime:
		t = x.Time
	}
	b := make([]byte, 8)
	binary.BigEndian.PutUint32(b, uint32(t.Unix()))
	binary.BigEndian.PutUint32(b[4:], uint32(t.Nanosecond()))
	return b
}

func (timeExt) ReadExt(dst interface{}, b []byte) {
	if len(b) != 8 {
		return
	}
	sec := int64(binary.BigEndian.Uint32(b))
	nsec := int64(binary.BigEndian.Uint32(b[4:]))
	dst.(*FLBTime).Time = time.Unix(sec, nsec)
}

// Encoder turns values into msgpack with FLBTime as EventTime.
type Encoder struct {
	handle *codec.MsgpackHandle
}

// NewEncoder returns an encoder for input records.
func NewEncoder() *Encoder {
	h := &codec.MsgpackHandle{}
	h.WriteExt = true
	h.SetBytesExt(reflect.TypeOf(FLBTime{}), 0, timeExt{})
	return &Encoder{handle: h}
}

// Encode returns the msgpack encoding of v.
func (e *Encoder) Encode(v interface{}) ([]byte, error) {
	var out []byte
	err := codec.NewEncoderBytes(&out, e.handle).Encode(v)
	return out, err
}
