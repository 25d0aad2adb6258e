package linear

import (
	"bytes"
	"math/rand/v2"
	"os"
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
