package linear

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/lockcheck/lockcheck/history"
)

// TestStreamAgainstPorcupine checks CheckReader on history files, with no
// look-ahead (so operations are invoked with unknown outcomes and placed
// ahead with every outcome) and with the default one, against porcupine on
// the same file read whole.
func TestStreamAgainstPorcupine(t *testing.T) {
	n := 5_000
	if os.Getenv("LOCKCHECK_SOAK") != "" {
		n *= 20
	}
	rng := rand.New(rand.NewPCG(5, 14))
	for i := range n {
		h := randomHistory(rng, 1+rng.IntN(8), 1+rng.IntN(4))
		var buf bytes.Buffer
		if err := history.Write(&buf, h); err != nil {
			t.Fatal(err)
		}
		read, err := history.Read(bytes.NewReader(buf.Bytes()))
		if err != nil {
			continue // a corruption the format cannot express (a blocking acquire → false)
		}
		want := history.Check(read, 0).Verdict
		for _, look := range []int{1, 0} {
			got, err := CheckReader(bytes.NewReader(buf.Bytes()), Options{Lookahead: look, NoWindow: i%8 != 0})
			if err != nil {
				t.Fatal(err)
			}
			if got.Verdict != want {
				t.Fatalf("history %d, look-ahead %d: CheckReader says %s, porcupine %s\n%s", i, look, got.Verdict, want, buf.String())
			}
			if w := got.Window; w != nil && !w.Confirmed {
				t.Fatalf("history %d: window not confirmed\n%s", i, buf.String())
			}
		}
	}
}

// TestReaderHeader: a file whose header names an unowned lock is checked;
// one of an owned lock is refused with ErrOwned, not checked as unowned.
func TestReaderHeader(t *testing.T) {
	events := `{"process": 0, "type": "invoke", "f": "acquire"}
{"process": 0, "type": "ok", "f": "acquire"}
{"process": 1, "type": "invoke", "f": "try_acquire"}
{"process": 1, "type": "ok", "f": "try_acquire", "value": true}
`
	r, err := CheckReader(strings.NewReader(`{"lock": "unowned"}`+"\n"+events), Options{})
	if err != nil || r.Verdict != history.NotLinearizable {
		t.Fatalf("unowned header: %v, %v; want not linearizable", r.Verdict, err)
	}
	if _, err := CheckReader(strings.NewReader(`{"lock": "owned"}`+"\n"+events), Options{}); !errors.Is(err, ErrOwned) {
		t.Fatalf("owned header: %v, want ErrOwned", err)
	}
}
