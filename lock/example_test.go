package lock_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/lockcheck/lockcheck/lock"
)

func ExampleLock() {
	var l lock.Lock // the zero value is an unlocked lock
	var wg sync.WaitGroup
	total := 0
	for i := 1; i <= 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Acquire() // lock.acquire()
			total += i
			l.Release() // lock.release()
		}()
	}
	wg.Wait()
	fmt.Println(total, l.Locked())
	// Output: 55 false
}

func ExampleLock_TryAcquire() {
	var l lock.Lock
	fmt.Println(l.TryAcquire()) // lock.acquire(blocking=False)
	fmt.Println(l.TryAcquire())
	// Output:
	// true
	// false
}

func ExampleLock_AcquireTimeout() {
	var l lock.Lock
	l.Acquire()
	// lock.acquire(timeout=0.01): the lock stays held, so this gives up.
	fmt.Println(l.AcquireTimeout(10 * time.Millisecond))
	l.Release()
	fmt.Println(l.AcquireTimeout(10 * time.Millisecond))
	// Output:
	// false
	// true
}

func ExampleLock_AcquireContext() {
	var l lock.Lock
	l.Acquire()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := l.AcquireContext(ctx)
	fmt.Println(err, errors.Is(err, context.DeadlineExceeded))
	l.Release()
	fmt.Println(l.AcquireContext(ctx)) // a free lock is taken even with a done ctx
	// Output:
	// context deadline exceeded true
	// <nil>
}

func ExampleLock_Release() {
	var l lock.Lock
	l.Acquire()
	done := make(chan struct{})
	go func() {
		// Locks are not owned: another goroutine may release it.
		fmt.Println(l.Release())
		close(done)
	}()
	<-done
	err := l.Release()
	fmt.Println(err, errors.Is(err, lock.ErrNotLocked))
	// Output:
	// <nil>
	// lock: release of unlocked lock true
}
