package history_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

func op(client int, k model.Kind, ok bool, call, ret int64) history.Op {
	o := history.Op{Client: client, Input: model.Input{Kind: k}, Output: model.Output{OK: ok}, Call: call, Return: ret}
	if ret == history.Never {
		o.Output = model.Output{Pending: true}
	}
	return o
}

// doubleAcquire is not linearizable: client 1 acquires while client 0
// holds the lock and no release overlaps.
var doubleAcquire = []history.Op{
	op(0, model.Acquire, true, 1, 2),
	op(1, model.TryAcquire, false, 3, 4),
	op(1, model.Acquire, true, 5, 8),
	op(0, model.Release, true, 9, 10),
	op(1, model.Acquire, false, 11, history.Never),
}

func TestCheck(t *testing.T) {
	r := history.Check(doubleAcquire, 0)
	if r.Verdict != history.NotLinearizable {
		t.Fatalf("verdict %v, want not linearizable", r.Verdict)
	}
	if r.Culprit != 2 {
		t.Errorf("culprit %d, want 2 (client 1's acquire)", r.Culprit)
	}
	ok := append([]history.Op{}, doubleAcquire...)
	ok[2].Call, ok[2].Return = 9, 12 // now concurrent with the release
	ok[3].Call, ok[3].Return = 10, 11
	if r := history.Check(ok, 0); r.Verdict != history.Linearizable || r.Culprit != -1 {
		t.Errorf("got %v culprit %d, want linearizable", r.Verdict, r.Culprit)
	}
}

func TestOperationsPendingLast(t *testing.T) {
	ops := history.Operations(doubleAcquire)
	if ops[4].Return <= 10 {
		t.Errorf("pending operation returns at %d, want after every other event", ops[4].Return)
	}
	if !ops[4].Output.(model.Output).Pending {
		t.Error("pending output lost")
	}
}

func TestTimeline(t *testing.T) {
	got := history.Timeline(doubleAcquire, map[int]string{2: "◀ here"})
	want := `     client 0        client 1
  1  acquire()
  2                  try_acquire() → false
  3                  acquire()  ◀ here
  4  release() → ok
  5                  ┌ acquire()
  6                  └ never returned
`
	if got != want {
		t.Errorf("timeline:\n%s\nwant:\n%s", got, want)
	}
}

func TestTimelineHarnessColumn(t *testing.T) {
	h := []history.Op{op(0, model.Acquire, true, 1, 2), op(1, model.Release, true, 3, 4)}
	h[1].Note = "harness"
	got := history.Timeline(h, nil)
	want := "     client 0   harness\n  1  acquire()\n  2             release() → ok\n"
	if got != want {
		t.Errorf("timeline:\n%q\nwant:\n%q", got, want)
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := history.Write(&buf, doubleAcquire); err != nil {
		t.Fatal(err)
	}
	back, err := history.Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	// Times become line numbers; the order of events and the outcomes stay.
	if len(back) != len(doubleAcquire) {
		t.Fatalf("read %d operations, want %d", len(back), len(doubleAcquire))
	}
	for i := range back {
		a, b := back[i], doubleAcquire[i]
		if a.Client != b.Client || a.Input != b.Input || a.Output != b.Output || (a.Return == history.Never) != (b.Return == history.Never) {
			t.Errorf("op %d: got %+v, want %+v", i, a, b)
		}
	}
	if !reflect.DeepEqual(history.Check(back, 0).Verdict, history.NotLinearizable) {
		t.Error("verdict changed by the round trip")
	}
}
