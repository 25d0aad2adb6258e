package main

import (
	"testing"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/sim"
)

// TestCheckOwned: check reads the header of an owned lock's history and
// checks it against the owned model; an old file stays unowned.
func TestCheckOwned(t *testing.T) {
	t.Parallel()
	stdout, _ := wantCode(t, []string{"check", "testdata/reentrant-linearizable.jsonl", "testdata/linearizable.jsonl"}, 0)
	contains(t, "stdout", stdout, "reentrant-linearizable.jsonl: linearizable (5 operations, 2 clients; reentrant lock)",
		"testdata/linearizable.jsonl: linearizable (7 operations, 3 clients)\n")
	stdout, _ = wantCode(t, []string{"check", "testdata/owned-violation.jsonl"}, 1)
	contains(t, "stdout", stdout, "owned-violation.jsonl: NOT linearizable (2 operations, 2 clients; owned lock)",
		"client 1's release() → ok (marked ◀)")
	stdout, _ = wantCode(t, []string{"check", "--json", "testdata/owned-violation.jsonl", "testdata/linearizable.jsonl"}, 1)
	r := decode(t, stdout)
	if len(r.Files) != 2 || r.Files[0].Lock != "owned" || r.Files[0].Verdict != history.NotLinearizable || r.Files[1].Lock != "unowned" {
		t.Errorf("JSON result %+v", r.Files)
	}
}

// TestDriveOwned: --reentrant and --owned check Python's RLock and Lock
// through the driver, each client on a thread of its own: RLock passes as
// reentrant and fails as merely owned (its holder's acquisitions succeed);
// Lock, which any thread may release, fails as owned.
func TestDriveOwned(t *testing.T) {
	py := python(t)
	stdout, _ := wantCode(t, []string{"drive", "--reentrant", "--duration", "1s", "--", py, pyDriver("lockdriver.py"), "--lock", "RLock"}, 0)
	contains(t, "stdout", stdout, "lockcheck drive: pass", "checked as: reentrant lock")

	for _, tc := range []struct{ flag, lock, want string }{
		{"--owned", "Lock", "owned"},
		{"--owned", "RLock", "owned"},
	} {
		stdout, _ = wantCode(t, []string{"drive", tc.flag, "--json", "--duration", "20s", "--shrink", "500ms", "--clients", "2",
			py, pyDriver("lockdriver.py"), "--lock", tc.lock}, 1)
		r := decode(t, stdout)
		if r.RunResult == nil || r.Verdict != string(sim.Violation) || r.Lock != tc.want || r.DriverErr != nil {
			t.Errorf("%s %s: JSON result %+v", tc.flag, tc.lock, r)
		}
	}
}
