package sim_test

import (
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/lockcheck/lockcheck/sim"
)

// With sim.Check, a test of your lock is one line:
//
//	func TestMyLock(t *testing.T) {
//		sim.Check(t, func() sim.Lock { return mylock.New() })
//	}
//
// RunLock does the same outside tests. Here it passes sync.Mutex, whose
// release of an unlocked lock is a fatal error, so the harness is told to
// release only a lock it knows is held; and it catches a counting semaphore
// posing as a lock, whose release of an unlocked lock adds a permit.
func ExampleRunLock() {
	newMutex := func() sim.Lock { return &mutexLock{} }
	rep, _ := sim.RunLock(newMutex, sim.WithoutUnlockedRelease(), sim.WithDuration(time.Second))
	fmt.Println("sync.Mutex passes:", rep.Failure == nil)

	rep, _ = sim.RunLock(func() sim.Lock { return &semaphore{permits: 1} })
	fmt.Println("semaphore:", rep.Failure.Kind)
	// Output:
	// sync.Mutex passes: true
	// semaphore: linearizability violation
}

// semaphore is a counting semaphore with one permit.
type semaphore struct {
	mu      sync.Mutex
	permits int
	freed   *sync.Cond
}

func (s *semaphore) TryAcquire() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.permits == 0 {
		return false
	}
	s.permits--
	return true
}

func (s *semaphore) Acquire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.freed == nil {
		s.freed = sync.NewCond(&s.mu)
	}
	for s.permits == 0 {
		s.freed.Wait()
	}
	s.permits--
}

func (s *semaphore) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.permits++ // even when nothing was acquired
	if s.freed != nil {
		s.freed.Signal()
	}
	return nil
}

// Options follow the lock's constructor. This test checks a sync.Mutex,
// which must not be released unlocked, for 30 seconds, with 2 to 4
// clients, and writes the visualization of a failure into the test's
// temporary directory.
func ExampleCheck() {
	_ = func(t *testing.T) {
		sim.Check(t, func() sim.Lock { return &mutexLock{} },
			sim.WithoutUnlockedRelease(),
			sim.WithDuration(30*time.Second),
			sim.WithClients(2, 4),
			sim.WithHTMLDir(t.TempDir()))
	}
}

// A Failure explains itself: its Error is what sim.Check fails a test
// with. This counting semaphore's release of an unlocked lock succeeds;
// with one client of one operation there is a single scenario that shows
// it, so the output is always the same. (The path of the visualization,
// which changes from run to run, is left out.)
func ExampleFailure() {
	dir, err := os.MkdirTemp("", "lockcheck-example-")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	rep, err := sim.RunLock(func() sim.Lock { return &semaphore{permits: 1} },
		sim.WithClients(1, 1), sim.WithMaxSteps(1), sim.WithShrinkTime(time.Second), sim.WithHTMLDir(dir))
	if err != nil {
		fmt.Println(err)
		return
	}
	f := *rep.Failure
	f.HTML = ""
	fmt.Print(f.Error())
	// Output:
	// lockcheck: linearizability violation
	// no order of these operations that respects real time is a legal sequence of lock steps (porcupine found no linearization);
	// the first operation no partial linearization can include is client 0's release() → ok (marked ◀).
	// mode: stress
	//
	// scenario (rapid found no smaller one that fails the same way): 1 client, 1 operation
	//   client 0: release
	//
	// history (time runs down; one column per client):
	//      client 0                                harness
	//   1  release() → ok  ◀ cannot be linearized
	//   2                                          try_acquire() → true
	//   3                                          release() → ok
}
