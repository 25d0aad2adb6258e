package history_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

const none = model.Semantics(255)

// TestOwnedFiles reads the histories of owned locks in testdata, checks
// them with the model their header names (both verdicts), and shows that
// the header matters: under another model the verdict differs. An old file
// without a header is of an unowned lock.
func TestOwnedFiles(t *testing.T) {
	for _, tc := range []struct {
		file  string
		lock  model.Semantics
		want  history.Verdict
		other model.Semantics // a model under which the verdict is the opposite, or none
	}{
		{"linearizable.jsonl", model.Unowned, history.Linearizable, none}, // an old file
		{"owned-linearizable.jsonl", model.Owned, history.Linearizable, model.Unowned},
		{"owned-violation.jsonl", model.Owned, history.NotLinearizable, model.Unowned},
		{"reentrant-linearizable.jsonl", model.Reentrant, history.Linearizable, model.Owned},
		{"reentrant-violation.jsonl", model.Reentrant, history.NotLinearizable, none},
	} {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			h, meta, err := history.ReadMeta(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			if meta.Lock != tc.lock {
				t.Errorf("ReadMeta: lock %v, want %v", meta.Lock, tc.lock)
			}
			if got := history.CheckOf(h, meta.Lock, 0).Verdict; got != tc.want {
				t.Errorf("CheckOf(%v) = %s, want %s", meta.Lock, got, tc.want)
			}
			if tc.other == none {
				// the verdict is the same under every model
			} else if got := history.CheckOf(h, tc.other, 0).Verdict; got == tc.want {
				t.Errorf("CheckOf(%v) = %s too: the header should matter", tc.other, got)
			}
			// Read skips the header and gives the same operations.
			h2, err := history.Read(bytes.NewReader(data))
			if err != nil || len(h2) != len(h) {
				t.Errorf("Read = %d operations, %v; ReadMeta gave %d", len(h2), err, len(h))
			}
			// The header survives a round trip; an unowned lock's file has none.
			var buf bytes.Buffer
			if err := history.WriteMeta(&buf, h, meta); err != nil {
				t.Fatal(err)
			}
			if hasHeader := strings.HasPrefix(buf.String(), `{"lock":`); hasHeader != (tc.lock != model.Unowned) {
				t.Errorf("WriteMeta wrote %q: header present = %t", strings.SplitN(buf.String(), "\n", 2)[0], hasHeader)
			}
			h3, meta3, err := history.ReadMeta(&buf)
			if err != nil || meta3 != meta || len(h3) != len(h) {
				t.Errorf("round trip: %d operations, %+v, %v", len(h3), meta3, err)
			}
		})
	}
}

// TestVisualizeOwned writes the visualization of an owned lock's history
// with the owned model.
func TestVisualizeOwned(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "owned-violation.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, meta, err := history.ReadMeta(f)
	if err != nil {
		t.Fatal(err)
	}
	res := history.CheckOf(h, meta.Lock, 0)
	path := filepath.Join(t.TempDir(), "v.html")
	if err := history.Visualize(res, path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte("held by client 0")) {
		t.Errorf("the visualization does not show the owned states (err %v)", err)
	}
}
