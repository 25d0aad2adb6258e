package main

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// wellFormed fails t unless s parses as XML.
func wellFormed(t *testing.T, name, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: not well-formed: %v", name, err)
		}
	}
}

func TestTeachings(t *testing.T) {
	for _, tc := range teachings {
		if v := history.Check(tc.ops, 0).Verdict; v != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, v, tc.want)
		}
		fig, text := tc.figure()
		wellFormed(t, tc.name, fig.svg())
		if !strings.Contains(text, string(tc.want)+".") {
			t.Errorf("%s: text does not state the verdict:\n%s", tc.name, text)
		}
		// The points respect the order and lie inside their intervals.
		pts := fig.points()
		last := -1.0
		for _, i := range fig.Order {
			p, op := pts[i], tc.ops[i]
			if p.t <= float64(op.Call) || (returned(op) && p.t >= float64(op.Return)) || p.t <= last {
				t.Errorf("%s: point %v of operation %d (%d–%d) out of place", tc.name, p.t, i, op.Call, op.Return)
			}
			last = p.t
		}
		// The order is a legal run of the model.
		s := model.StateUnlocked
		for _, i := range fig.Order {
			if s = model.Step(s, tc.ops[i].Input, tc.ops[i].Output); s == 0 {
				t.Errorf("%s: the order is not legal at operation %d", tc.name, i)
			}
		}
		if tc.want == history.Linearizable && len(fig.Order) != len(tc.ops) {
			t.Errorf("%s: linearization of %d operations, want %d", tc.name, len(fig.Order), len(tc.ops))
		}
	}
}

func TestStateMachine(t *testing.T) {
	wellFormed(t, "state machine", stateMachine())
	e := edges()
	U, L := model.StateUnlocked, model.StateLocked
	want := map[[2]model.State][]string{
		{U, L}: {"acquire()", "try_acquire() → true", "acquire_timeout(t) → true", "acquire_context(ctx) → nil"},
		{U, U}: {"acquire_context(ctx) → ctx error", "release() → error", "locked() → false"},
		{L, L}: {"try_acquire() → false", "acquire_timeout(t) → false", "acquire_context(ctx) → ctx error", "locked() → true"},
		{L, U}: {"release() → ok"},
	}
	if len(e) != len(want) {
		t.Errorf("edges %v, want %v", e, want)
	}
	for k, w := range want {
		if !slices.Equal(e[k], w) {
			t.Errorf("%v → %v: %q, want %q", k[0], k[1], e[k], w)
		}
	}
}

func TestGalleryFigure(t *testing.T) {
	// A stuck waiter and a harness lane, as in a real failure.
	h := []history.Op{
		op(0, model.Acquire, true, 1, 2),
		op(1, model.Acquire, false, 3, never),
		harness(op(2, model.Release, true, 4, 5)),
	}
	s := figure{Title: "t", Subtitle: "a <bug> & more", Ops: h, Marks: map[int]string{1: "◀ stuck"}}.svg()
	wellFormed(t, "gallery", s)
	for _, want := range []string{"never returned", "◀ stuck", "harness", "a &lt;bug&gt; &amp; more"} {
		if !strings.Contains(s, want) {
			t.Errorf("figure lacks %q", want)
		}
	}
}

func TestRefreshPages(t *testing.T) {
	dir := t.TempDir()
	page := "# Page\n\n<!-- gen:gallery/x.txt -->\nold\n<!-- /gen -->\n\ntext\n"
	if err := os.MkdirAll(filepath.Join(dir, "gallery"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "gallery", "x.txt"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "p.md"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 { // idempotent
		if err := refreshPages(dir); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(filepath.Join(dir, "p.md"))
	want := "# Page\n\n<!-- gen:gallery/x.txt -->\n```text\nnew\n```\n<!-- /gen -->\n\ntext\n"
	if string(got) != want {
		t.Errorf("page:\n%s\nwant:\n%s", got, want)
	}
}
