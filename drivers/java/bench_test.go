package java_test

import (
	"context"
	"testing"

	"github.com/lockcheck/lockcheck/driver"
)

// BenchmarkRoundTrip measures one request and its answer through the Java
// driver (try_acquire, then release, on one client of a Monitor lock).
func BenchmarkRoundTrip(b *testing.B) {
	d, err := driver.Start(context.Background(), driverArgv(b, "Monitor"), slowStart)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	l := d.Client(0)
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			l.TryAcquire()
		} else {
			_ = l.Release()
		}
	}
}

// BenchmarkFreshLock measures how a run gets a fresh lock: a reset of a
// running driver, or a new JVM (of the compiled class, and of the source
// launcher, which compiles the driver at every start).
func BenchmarkFreshLock(b *testing.B) {
	b.Run("how=reset", func(b *testing.B) {
		d, err := driver.Start(context.Background(), driverArgv(b, "Monitor"), slowStart)
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
	start := func(b *testing.B, argv []string) {
		for b.Loop() {
			d, err := driver.Start(context.Background(), argv, slowStart)
			if err != nil {
				b.Fatal(err)
			}
			d.Client(0).TryAcquire()
			d.Close()
		}
	}
	b.Run("how=start-class", func(b *testing.B) { start(b, driverArgv(b, "Monitor")) })
	b.Run("how=start-source", func(b *testing.B) {
		start(b, []string{java(b), "LockDriver.java", "--lock", "Monitor"})
	})
}
