package history

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// readByDecoder collects operations from a Decoder the way Read does.
func readByDecoder(data []byte) ([]Op, error) {
	d := NewDecoder(bytes.NewReader(data))
	var h []Op
	open := map[int]int{}
	for {
		e, err := d.Next()
		if err == io.EOF {
			return h, nil
		}
		if err != nil {
			return nil, err
		}
		switch e.Type {
		case Invoke:
			open[e.Process] = len(h)
			h = append(h, Op{Client: e.Process, Input: e.Input, Output: e.Output, Call: int64(e.Line), Return: Never, Note: e.Note})
		default:
			i := open[e.Process]
			delete(open, e.Process)
			h[i].Output, h[i].Return = e.Output, int64(e.Line)
		}
	}
}

func sameRead(t *testing.T, data []byte) {
	want, werr := Read(bytes.NewReader(data))
	got, gerr := readByDecoder(data)
	var wpe, gpe *ParseError
	switch {
	case werr == nil && gerr == nil:
		if len(want) == 0 && len(got) == 0 {
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("Decoder read %+v, Read %+v", got, want)
		}
	case errors.As(werr, &wpe) && errors.As(gerr, &gpe):
		if *wpe != *gpe {
			t.Fatalf("Decoder error %v, Read error %v", gerr, werr)
		}
	default:
		t.Fatalf("Decoder error %v, Read error %v", gerr, werr)
	}
}

// TestDecoderAgreesWithRead reads every history file of the repository's
// test data both ways.
func TestDecoderAgreesWithRead(t *testing.T) {
	files, _ := filepath.Glob("../cmd/lockcheck/testdata/*.jsonl")
	more, _ := filepath.Glob("../docs/gallery/*.jsonl")
	for _, f := range append(files, more...) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameRead(t, data)
	}
}

// FuzzDecoder checks that Decoder accepts what Read accepts, with the same
// operations and the same errors.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		`{"process": 0, "type": "invoke", "f": "acquire"}` + "\n" + `{"process": 0, "type": "ok", "f": "acquire"}`,
		`{"process":1,"type":"invoke","f":"acquire_timeout","timeout":0.5}` + "\n" + `{"process":1,"type":"ok","f":"acquire_timeout","value":false}`,
		`{"process":1,"type":"invoke","f":"release","note":"harness"}` + "\n" + `{"process":1,"type":"info","f":"release"}`,
		`{"Process":1,"type":"invoke","f":"locked"}`,
		`{"process":1e0,"type":"invoke","f":"locked"}`,
		`{"process":1,"type":"invoke","f":"locked","process":null}`,
		`{"process":-0,"type":"invoke","f":"locked"} {}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) { sameRead(t, data) })
}

// FuzzFastRecord checks the fast line parser against encoding/json.
func FuzzFastRecord(f *testing.F) {
	for _, s := range []string{
		`{"process": 0, "type": "invoke", "f": "acquire"}`,
		`{"process":1,"type":"ok","f":"acquire_timeout","value":false,"timeout":1e-3}`,
		`{"process":1,"process":2,"note":"x"}`,
		`{"process":01}`, `{"timeout":1.}`, `{}`, ` { "f" : "a" } `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var fast record
		if !fastRecord(b, &fast) {
			return
		}
		var slow record
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&slow); err != nil || dec.More() {
			t.Fatalf("fast path accepted %q, encoding/json: %v", b, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("%q: fast %+v, encoding/json %+v", b, fast, slow)
		}
	})
}
