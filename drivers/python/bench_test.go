package python_test

import (
	"context"
	"testing"

	"github.com/lockcheck/lockcheck/driver"
)

// BenchmarkRoundTrip measures one request and its answer through the
// Python driver (try_acquire, then release, on one client).
func BenchmarkRoundTrip(b *testing.B) {
	argv := []string{python(b), "lockdriver.py", "--lock", "Lock"}
	d, err := driver.Start(context.Background(), argv, driver.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	l := d.Client(0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			l.TryAcquire()
		} else {
			_ = l.Release()
		}
	}
}

// BenchmarkFreshLock measures how a run gets a fresh lock: a reset of a
// running driver, or a new process.
func BenchmarkFreshLock(b *testing.B) {
	argv := []string{python(b), "lockdriver.py", "--lock", "Lock"}
	b.Run("how=reset", func(b *testing.B) {
		d, err := driver.Start(context.Background(), argv, driver.Options{})
		if err != nil {
			b.Fatal(err)
		}
		defer d.Close()
		for b.Loop() {
			d.Client(0).TryAcquire()
			if err := d.Reset(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("how=start", func(b *testing.B) {
		for b.Loop() {
			d, err := driver.Start(context.Background(), argv, driver.Options{})
			if err != nil {
				b.Fatal(err)
			}
			d.Client(0).TryAcquire()
			d.Close()
		}
	})
}
