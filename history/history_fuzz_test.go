package history_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lockcheck/lockcheck/history"
)

// FuzzRead feeds arbitrary bytes to the history parser. Properties: Read
// never panics; an error is a *ParseError naming a line from 1; and a
// history that parses survives Write and Read unchanged (same operations,
// outcomes and notes, same order of calls and returns). Its seeds are the
// files of testdata (valid and malformed), testdata/fuzz/FuzzRead, and the
// ones added below.
func FuzzRead(f *testing.F) {
	for _, pattern := range []string{"testdata/*.jsonl", "testdata/bad/*.jsonl"} {
		files, _ := filepath.Glob(pattern)
		for _, name := range files {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"\n\n",
		"null\n",
		`{"process":0,"type":"invoke","f":"acquire_timeout","timeout":1e-9}`,
		`{"process":0,"type":"invoke","f":"acquire_timeout","timeout":-0.25}`,
		`{"process":0,"type":"invoke","f":"acquire_timeout","timeout":1e300}`,
		`{"process":1048576,"type":"invoke","f":"locked"}` + "\n" + `{"process":1048576,"type":"ok","f":"locked","value":false}`,
		`{"process":0,"type":"invoke","f":"release","note":"\u00e9\ud800"}` + "\r\n" + `{"process":0,"type":"ok","f":"release","value":false}`,
		`{"process":0,"type":"invoke","f":"acquire_context"}` + "\n" + `{"process":0,"type":"info","f":"acquire_context"}`,
		`{"lock":"reentrant"}` + "\n" + `{"process":0,"type":"invoke","f":"acquire"}`,
		`{"lock":"owned","process":0,"type":"invoke","f":"acquire"}`,
		`{"lock":"unowned"}` + "\n" + `{"lock":"owned"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := history.Read(bytes.NewReader(data))
		if err != nil {
			var pe *history.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v (%T) is not a *ParseError", err, err)
			}
			if pe.Line < 1 {
				t.Fatalf("error on line %d: %v", pe.Line, pe)
			}
			if h != nil {
				t.Fatalf("Read returned %d operations with an error", len(h))
			}
			return
		}
		_, meta, err := history.ReadMeta(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("Read accepted what ReadMeta rejects: %v", err)
		}
		var buf bytes.Buffer
		if err := history.WriteMeta(&buf, h, meta); err != nil {
			t.Fatalf("Write: %v", err)
		}
		back, backMeta, err := history.ReadMeta(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatalf("reading what Write wrote: %v\n%s", err, buf.Bytes())
		}
		if backMeta != meta {
			t.Fatalf("round trip: header %+v, want %+v\n%s", backMeta, meta, buf.Bytes())
		}
		if len(back) != len(h) {
			t.Fatalf("round trip: %d operations, want %d\n%s", len(back), len(h), buf.Bytes())
		}
		for i := range h {
			a, b := h[i], back[i]
			if a.Client != b.Client || a.Input != b.Input || a.Output != b.Output || a.Note != b.Note ||
				(a.Return == history.Never) != (b.Return == history.Never) {
				t.Fatalf("round trip: operation %d is %+v, want %+v\n%s", i, b, a, buf.Bytes())
			}
		}
		if ea, eb := eventOrder(h), eventOrder(back); !slices.Equal(ea, eb) {
			t.Fatalf("round trip: events in order %v, want %v\n%s", eb, ea, buf.Bytes())
		}
		if history.Clients(h) <= 64 {
			_ = history.Timeline(h, map[int]string{0: "◀"}) // must not panic
		}
	})
}

// eventOrder lists the calls (+i+1) and returns (-(i+1)) of the operations
// of h in time order.
func eventOrder(h []history.Op) []int {
	type ev struct {
		t  int64
		id int
	}
	var evs []ev
	for i, op := range h {
		evs = append(evs, ev{op.Call, i + 1})
		if op.Return != history.Never {
			evs = append(evs, ev{op.Return, -(i + 1)})
		}
	}
	slices.SortStableFunc(evs, func(a, b ev) int {
		switch {
		case a.t < b.t:
			return -1
		case a.t > b.t:
			return 1
		}
		return 0
	})
	ids := make([]int, len(evs))
	for i, e := range evs {
		ids[i] = e.id
	}
	return ids
}
