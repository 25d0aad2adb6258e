package sim_test

import (
	"fmt"
	"sync"
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
