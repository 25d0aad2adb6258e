package driver

import (
	"slices"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/model"
)

// FuzzParseHello: any hello line is accepted or refused with a Protocol
// error, never a panic; an accepted one offers the required operations
// once each, and reset exactly when it has the word.
func FuzzParseHello(f *testing.F) {
	for _, s := range []string{
		"lockcheck-driver 1 acquire try_acquire acquire_timeout release locked reset",
		"lockcheck-driver 1 acquire try_acquire release",
		"lockcheck-driver 1 reset acquire try_acquire release reset",
		"lockcheck-driver 2 acquire try_acquire release",
		"lockcheck-driver 1 acquire try_acquire release acquire_context",
		"lockcheck-driver",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		d := &Driver{has: map[model.Kind]bool{}}
		err := d.parseHello(line)
		if err != nil {
			e, ok := err.(*Error)
			if !ok || e.Kind != Protocol {
				t.Fatalf("parseHello(%q) = %v, want a Protocol *Error", line, err)
			}
			return
		}
		words := strings.Split(line, " ")
		if d.canReset != slices.Contains(words[2:], "reset") {
			t.Errorf("parseHello(%q): canReset = %v", line, d.canReset)
		}
		for _, k := range []model.Kind{model.Acquire, model.TryAcquire, model.Release} {
			if !slices.Contains(d.ops, k) {
				t.Errorf("parseHello(%q) accepted a line without %s", line, k)
			}
		}
		seen := map[model.Kind]bool{}
		for _, k := range d.ops {
			if seen[k] || k == model.AcquireContext {
				t.Errorf("parseHello(%q): ops %v", line, d.ops)
			}
			seen[k] = true
		}
	})
}
