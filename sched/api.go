package sched

import (
	"iter"
	"time"
)

// controlledBuild is set to true by a generated file that `lockcheck test`
// adds to this package's directory in an instrumented build.
var controlledBuild bool

// Enabled reports whether this binary was built by `lockcheck test`, with
// its packages under test instrumented to call this package.
func Enabled() bool { return controlledBuild }

// Go starts f as a goroutine. Inside a controlled run, called from a
// managed goroutine, the new goroutine is managed too; otherwise it is a
// plain `go f()`.
func Go(f func()) { go f() }

// Gosched is runtime.Gosched as a scheduling point.
func Gosched() {}

// Send is `ch <- v`.
func Send[T any](ch chan<- T, v T) { ch <- v }

// Recv is `<-ch`.
func Recv[T any](ch <-chan T) T { return <-ch }

// Recv2 is `v, ok := <-ch`.
func Recv2[T any](ch <-chan T) (T, bool) { v, ok := <-ch; return v, ok }

// Close is `close(ch)`.
func Close[T any](ch chan<- T) { close(ch) }

// Range is `for v := range ch`.
func Range[T any](ch <-chan T) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v := range ch {
			if !yield(v) {
				return
			}
		}
	}
}

// Case is one case of a select, built by OnRecv or OnSend.
type Case interface{ sealed() }

// RecvCase is a receive case of a select.
type RecvCase[T any] struct {
	V  T
	OK bool
	ch <-chan T
}

func (*RecvCase[T]) sealed() {}

// OnRecv builds a receive case.
func OnRecv[T any](ch <-chan T) *RecvCase[T] { return &RecvCase[T]{ch: ch} }

// SendCase is a send case of a select.
type SendCase[T any] struct {
	ch chan<- T
	v  T
}

func (*SendCase[T]) sealed() {}

// OnSend builds a send case.
func OnSend[T any](ch chan<- T, v T) *SendCase[T] { return &SendCase[T]{ch: ch, v: v} }

// Select chooses a case.
func Select(hasDefault bool, cases ...Case) int { panic("TODO") }

// Register records an instrumented package.
func Register(pkgPath string, problems ...string) {}

// Registered reports about an instrumented package.
func Registered(pkgPath string) (ok bool, problems []string) { return false, nil }

// Strategy chooses the goroutine at each scheduling point.
type Strategy interface{ strategy() }

type nilStrategy struct{}

func (nilStrategy) strategy() {}

// PCT is probabilistic concurrency testing.
func PCT(seed uint64, depth int) Strategy { return nilStrategy{} }

// Random is a uniform random walk.
func Random(seed uint64) Strategy { return nilStrategy{} }

// Replay forces recorded choices.
func Replay(s Schedule) Strategy { return nilStrategy{} }

// Schedule is what a run chose.
type Schedule struct{}

// Preemptions is the number of choices.
func (Schedule) Preemptions() int { return 0 }

// String is the text form.
func (Schedule) String() string { return "v1" }

// ParseSchedule parses String's output.
func ParseSchedule(string) (Schedule, error) { return Schedule{}, nil }

// Options configure Run.
type Options struct {
	Strategy Strategy
	MaxSteps int
	Trace    bool
	Idle     func() []func()
	Escape   time.Duration
}

// Result is the outcome of Run.
type Result struct {
	Steps     int
	Schedule  Schedule
	Deadlock  bool
	Blocked   []Blocked
	StepLimit bool
	Escaped   string
	Trace     []Event
}

// Blocked is a goroutine blocked at the end of a run.
type Blocked struct {
	G       int
	Pos, Op string
}

// Event is one scheduling point.
type Event struct {
	G       int
	Pos     string
	Op      string
	Value   string
	Preempt bool
	Time    time.Duration
}

// Run runs gs under the scheduler.
func Run(opts Options, gs ...func()) *Result { panic("TODO") }

// Minimize minimises a schedule.
func Minimize(s Schedule, fails func(Schedule) bool) Schedule { return s }

// Current returns the managed goroutine calling.
func Current() (g int, ok bool) { return 0, false }
