package sim

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockcheck/lockcheck/history"
	"github.com/lockcheck/lockcheck/model"
)

// A run executes one scenario once on a fresh target and records its
// history.
//
// Every client is a goroutine that runs its script; a call takes its
// timestamp from the shared atomic clock just before the lock is called and
// its return timestamp just after, so an operation that returned before
// another was called always has the smaller timestamps. Clients write their
// operations into slots of their own and publish them with atomic counters,
// so the watchdog can snapshot the history while some clients are still
// blocked (or are never coming back).
//
// The watchdog (watch) is how the harness never hangs and how it sees
// liveness bugs. When no client has made progress for a grace period and
// every client still running waits in an acquire that may legitimately
// block until a release (forever, or with time left: hasTimeLeft in
// promise.go), the harness releases the lock itself (an operation of the
// harness's own client, recorded like any other). A correct lock then lets
// a waiter proceed. If none proceeds within the stuck timeout, the run is
// stuck: a release with waiters after which none proceeded, or waiters
// blocked while the release reported the lock unlocked (a lost wake-up).
// Bounded operations (try, timed, cancelled, release, locked) that overrun
// their bound by the stuck timeout are stuck too. The stuck timeout counts
// only time in which the watchdog itself ran on schedule, so a loaded
// machine slows the clock rather than raising alarms; for in-process locks
// a client goroutine that is still runnable or sleeping is never called
// stuck (only a global deadline ends such a run).
type run struct {
	cfg     *config
	sc      Scenario
	target  Target
	clients []*client // the scenario's clients, then the harness's
	harness *client

	clock    atomic.Int64  // logical time of events
	progress atomic.Int64  // events of the scenario's clients
	held     atomic.Int64  // acquisitions returned minus releases taken (WithoutUnlockedRelease)
	active   atomic.Int32  // scenario clients not done
	parked   atomic.Int32  // scenario clients inside an operation that may block until a release (hasTimeLeft)
	kick     chan struct{} // wakes the watchdog when parked reaches active
	lockstep bool          // clients meet before each step (see rendezvous)
	arrived  []atomic.Int32
	rescuing chan struct{} // closed when the harness's rescue release has been recorded; nil if none ran

	own []atomic.Int32 // with an owned lock: what each client holds (see owned.go)

	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	contract *Failure // the first broken contract (panic, bad error)

	ctl *ctlState // controlled mode (see controlled.go); nil in stress mode
}

// client is one client of a run, with its recorded operations.
type client struct {
	id    int
	lock  Lock
	note  string
	slots []slot
	n     atomic.Int32 // slots[:n] hold completed operations
	cur   atomic.Int32 // 1 + the index of the slot in flight, or 0
	done  atomic.Bool
	gid   atomic.Int64 // goroutine id, for the in-process liveness veto
	tail  bool         // releasing what it holds after its script (owned locks); the client's goroutine's alone
}

type slot struct {
	op    history.Op
	step  Step
	start time.Time
	bound time.Time // the latest a correct lock returns; zero when it may wait forever
	self  bool      // an acquisition by the holder of an owned, non-reentrant lock: only its bound ends it
}

func newRun(cfg *config, sc Scenario, target Target) *run {
	r := &run{cfg: cfg, sc: sc, target: target}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.kick = make(chan struct{}, 1)
	r.lockstep = rand.IntN(2) == 0
	r.arrived = make([]atomic.Int32, maxLen(sc.Clients))
	r.active.Store(int32(len(sc.Clients)))
	r.own = newHolds(len(sc.Clients))
	for i, steps := range sc.Clients {
		r.clients = append(r.clients, &client{id: i, lock: target.Client(i), slots: make([]slot, len(steps)+r.tailSlots(steps)+1)}) // +1: probeProgress
	}
	h := len(sc.Clients)
	r.harness = &client{id: h, lock: target.Client(h), note: "harness", slots: make([]slot, 2*sc.ops()+8)}
	return r
}

// execute runs the scenario and returns its history and the failure, if
// the run itself already shows one (stuck, broken contract). The
// linearizability check is the caller's.
func (r *run) execute() ([]history.Op, *Failure) {
	// Clients wait at a spinning barrier rather than on a channel, so that
	// those running when it opens start their first operations together.
	var ready, wg sync.WaitGroup
	var start atomic.Bool
	ready.Add(len(r.clients))
	for i, c := range r.clients {
		wg.Add(1)
		go r.client(c, r.sc.Clients[i], &ready, &start, &wg)
	}
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	ready.Wait()
	start.Store(true)

	stuck := r.watch(allDone)
	if stuck == nil {
		stuck = r.probe()
	}
	h := r.snapshot()
	r.cancel()
	if stuck != nil {
		r.unblock(allDone)
	}
	return r.verdict(h, stuck)
}

// verdict closes the target and returns the run's history and failure: the
// target's, a broken contract, or stuck.
func (r *run) verdict(h []history.Op, stuck *Failure) ([]history.Op, *Failure) {
	if err := r.target.Close(); err != nil && stuck == nil {
		r.broke(fmt.Sprintf("closing the target failed: %v", err), [2]int{-1, -1})
	}
	if te, ok := r.target.(interface{ Err() error }); ok {
		if err := te.Err(); err != nil {
			return h, &Failure{Kind: TargetFailed, Summary: err.Error(), Err: err}
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.contract != nil {
		return h, r.contract
	}
	return h, stuck
}

func (r *run) client(c *client, steps []Step, ready *sync.WaitGroup, start *atomic.Bool, wg *sync.WaitGroup) {
	defer wg.Done()
	defer func() {
		c.done.Store(true)
		r.active.Add(-1)
		r.maybeKick()
	}()
	if r.cfg.inProcess {
		c.gid.Store(goid())
	}
	rng := rand.New(rand.NewPCG(rand.Uint64(), uint64(c.id)))
	ready.Done()
	for !start.Load() {
		runtime.Gosched()
	}
	for i, s := range steps {
		if r.ctx.Err() != nil {
			return
		}
		offset := -1
		if r.lockstep {
			offset = i<<16 | rng.IntN(2048)
		} else {
			jitter(rng)
		}
		if r.skip(c, s) {
			continue // a release of a lock not known to be held, or a wait forever by design
		}
		r.do(c, s, offset)
	}
	r.releaseHeld(c)
}

// jitter varies the timing of the next operation from one repetition to
// the next, so repetitions explore different interleavings.
func jitter(rng *rand.Rand) {
	switch rng.IntN(4) {
	case 0:
		runtime.Gosched()
	case 1:
		for i := rng.IntN(32); i > 0; i-- {
			spinSink.Add(0)
		}
	}
}

var spinSink atomic.Int32

// rendezvous is the other half of the runs' timing: clients wait for each
// other just before they call the lock in their i-th step, for a bounded
// number of spins, so that operations with the same index start together
// and race on the lock's narrowest windows (a check and a set a few
// nanoseconds apart). A client blocked in the lock does not hold the others
// up for long.
func (r *run) rendezvous(i int) {
	r.arrived[i].Add(1)
	// Busy-wait, so that a client waiting on another processor leaves the
	// moment the last one arrives, yielding now and then so that clients
	// sharing a processor can arrive.
	for spin := 0; spin < 4096 && r.arrived[i].Load() < r.active.Load(); spin++ {
		if spin%64 == 63 {
			runtime.Gosched()
		}
	}
}

// delay busy-waits about n nanoseconds without touching shared memory:
// after a rendezvous, clients that left it together start their operations
// at offsets finer than the skew of the rendezvous itself (about 100 ns
// here), so windows of a few nanoseconds are hit too.
func delay(n int) {
	x := 0
	for i := range n {
		x += i ^ x>>3
	}
	runtime.KeepAlive(x)
}

func maxLen(scripts [][]Step) int {
	n := 0
	for _, s := range scripts {
		n = max(n, len(s))
	}
	return n
}

// maybeKick wakes the watchdog if every running client may be blocked for
// good, so that it need not wait for its next tick to step in.
func (r *run) maybeKick() {
	if a := r.active.Load(); a > 0 && r.parked.Load() >= a {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// settled reports whether every running client still looks blocked after
// the other goroutines had a few chances to run.
func (r *run) settled() bool {
	p := r.progress.Load()
	for range 64 {
		runtime.Gosched()
		if r.progress.Load() != p || r.parked.Load() < r.active.Load() {
			return false
		}
	}
	return true
}

func (r *run) takeHeld() bool {
	for {
		n := r.held.Load()
		if n <= 0 {
			return false
		}
		if r.held.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// do performs one step on c's lock and records it.
// do performs one step on c's lock and records it. In lockstep runs,
// offset packs the step's index (above bit 16) and a delay: the client
// meets the others at the step's rendezvous after the call is stamped and
// announced, so that the bookkeeping's shared counters do not decide who
// reaches the lock first, and calls the lock after the delay. offset < 0
// means no rendezvous.
func (r *run) do(c *client, s Step, offset int) {
	k := c.n.Load()
	sl := &c.slots[k]
	sl.step = s
	sl.op = history.Op{Client: c.id, Input: model.Input{Kind: s.Kind, Timeout: s.Timeout}, Note: c.opNote(), Return: history.Never, Output: model.Output{Pending: true}}
	ctx := r.ctx
	now := r.now()
	sl.start, sl.bound = now, now
	switch s.Kind {
	case model.Acquire:
		sl.bound = time.Time{}
	case model.AcquireTimeout:
		sl.bound = now.Add(s.Timeout)
	case model.AcquireContext:
		var cancel context.CancelFunc
		switch s.Cancel {
		case CancelNever:
			sl.bound = time.Time{}
			ctx, cancel = r.withCancel(ctx)
		case CancelBefore:
			ctx, cancel = r.withCancel(ctx)
			cancel()
		case CancelAfter:
			sl.bound = now.Add(s.After)
			ctx, cancel = r.withTimeout(ctx, s.After)
		}
		defer cancel()
	}
	r.ownedBound(c, s, sl, now)
	sl.op.Call = r.clock.Add(1)
	c.cur.Store(k + 1)
	parks := c != r.harness && waitsForRelease(sl, now, r.cfg.stuck)
	if c != r.harness {
		r.progress.Add(1)
	}
	if parks {
		r.parked.Add(1)
		r.maybeKick()
	}
	if offset >= 0 {
		r.rendezvous(offset >> 16)
		delay(offset & 0xffff)
	}
	r.mark(c, k, false)
	called := r.now()
	ok, bad, panicked := r.invoke(c.lock, s, ctx)
	returned := r.now()
	r.mark(c, k, true)
	ret := r.clock.Add(1)
	if parks {
		r.parked.Add(-1)
	}
	sl.op.Output = model.Output{OK: ok}
	sl.op.Return = ret
	if panicked { // it did not return: its outcome is unknown
		sl.op.Output, sl.op.Return = model.Output{Pending: true}, history.Never
	}
	if bad != "" {
		r.broke(fmt.Sprintf("%s: %s", c.name(), bad), [2]int{c.id, int(k)})
	} else if early := gaveUpEarly(s, ok, called, returned); early != "" && !panicked && r.ctx.Err() == nil {
		// (Once the run is over, a target may end its calls early.)
		r.gaveUp(c, early, [2]int{c.id, int(k)})
	}
	if ok && s.Kind.IsAcquire() && !r.cfg.unlockedRelease {
		r.held.Add(1)
	}
	r.noteHold(c, s, ok)
	r.confirmTimeLeft(c, s, ok || panicked)
	c.n.Store(k + 1)
	c.cur.Store(0)
	if c != r.harness {
		r.progress.Add(1)
	}
}

// invoke calls the lock. bad describes a broken contract: a panic, or an
// error from AcquireContext that is not its context's error.
func (r *run) invoke(l Lock, s Step, ctx context.Context) (ok bool, bad string, panicked bool) {
	defer func() {
		if p := recover(); p != nil {
			ok, bad, panicked = false, fmt.Sprintf("%s panicked: %v", s, p), true
			if s.Kind == model.Release && r.cfg.unlockedRelease {
				bad += " (if releasing an unlocked lock is undefined for this lock, check it with sim.WithoutUnlockedRelease())"
			}
		}
	}()
	switch s.Kind {
	case model.Acquire:
		l.Acquire()
		return true, "", false
	case model.TryAcquire:
		return l.TryAcquire(), "", false
	case model.AcquireTimeout:
		return l.(timeoutLock).AcquireTimeout(s.Timeout), "", false
	case model.AcquireContext:
		err := l.(contextLock).AcquireContext(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			return false, fmt.Sprintf("%s returned %q while its context was not done", s, err), false
		case err != nil && !errors.Is(err, ctx.Err()):
			return false, fmt.Sprintf("%s returned %q, which is not (and does not wrap) its context's error %q", s, err, ctx.Err()), false
		}
		return err == nil, "", false
	case model.Release:
		return l.Release() == nil, "", false
	case model.Locked:
		return l.(lockedLock).Locked(), "", false
	}
	panic("sim: unknown step " + s.Kind.String())
}

// broke records a broken contract by the operation in slot at.
func (r *run) broke(msg string, at [2]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.contract == nil {
		r.contract = &Failure{Kind: Contract, Summary: msg, marks: map[[2]int]string{at: "◀ broke the contract"}}
	}
	r.cancel()
}

func (c *client) name() string {
	if c.note == "harness" {
		return "the harness"
	}
	return fmt.Sprintf("client %d", c.id)
}

// watch waits until every client is done, or returns the failure of a run
// that is stuck. It is the algorithm described above type run.
func (r *run) watch(allDone <-chan struct{}) *Failure {
	const tick = time.Millisecond
	grace, stuckAfter := r.cfg.grace, r.cfg.stuck
	ticker := time.NewTicker(tick)
	defer ticker.Stop()
	begin := r.now()
	last, lastTick := r.progress.Load(), begin
	var quiet time.Duration // responsive time without progress
	rescued := false        // the harness released since the last progress
	var rescueAt time.Duration
	var rescue *slot
	for {
		kicked := false
		select {
		case <-allDone:
			return nil
		case <-ticker.C:
		case <-r.kick:
			kicked = true
		}
		if r.ctx.Err() != nil { // a broken contract ended the run
			return nil
		}
		now := r.now()
		quiet += min(now.Sub(lastTick), 4*tick)
		lastTick = now
		if now.Sub(begin) > r.cfg.deadline {
			return r.stuckFailure(fmt.Sprintf("the run did not finish within the global deadline of %v", r.cfg.deadline), nil)
		}
		if p := r.progress.Load(); p != last {
			last, quiet, rescued, rescue = p, 0, false, nil
			if !kicked {
				continue
			}
		}
		if kicked {
			if rescued || !r.settled() {
				continue
			}
		} else if quiet < grace {
			continue
		}
		var waiting, overdue []*client
		busy := false
		for _, c := range r.clients {
			k := c.cur.Load()
			switch {
			case k == 0:
				busy = busy || !c.done.Load()
			case waitsForRelease(&c.slots[k-1], now, stuckAfter):
				waiting = append(waiting, c)
			case now.Sub(c.slots[k-1].bound) >= stuckAfter:
				overdue = append(overdue, c)
			default:
				busy = true
			}
		}
		if len(overdue) > 0 && quiet >= stuckAfter && !r.vetoed(overdue) {
			c := overdue[0]
			sl := &c.slots[c.cur.Load()-1]
			return r.stuckFailure(fmt.Sprintf("client %d's %s has not returned %v after it should have (a correct lock returns by then)%s",
				c.id, sl.step, now.Sub(sl.bound).Round(time.Millisecond), r.overdueNote(c)), overdue)
		}
		if busy || len(waiting) == 0 || len(overdue) > 0 {
			continue // an overdue operation is judged by itself, not rescued
		}
		if !rescued && !r.rescueRunning() {
			rescued, rescueAt, rescue = true, quiet, nil
			if !r.cfg.owned && (r.cfg.unlockedRelease || r.takeHeld()) { // only the holder releases an owned lock
				rescue = &r.harness.slots[r.harness.n.Load()]
				if int(r.harness.n.Load()) >= len(r.harness.slots)-5 { // the probe needs up to 4
					return r.stuckFailure("the harness released the lock more times than the scenario has operations without progress", waiting)
				}
				done := make(chan struct{})
				r.rescuing = done
				go func() {
					defer close(done)
					if r.cfg.inProcess {
						r.harness.gid.Store(goid())
					}
					r.do(r.harness, Step{Kind: model.Release}, -1)
				}()
			}
			continue
		}
		if !rescued {
			continue
		}
		if rescue != nil && r.rescueRunning() {
			if quiet-rescueAt >= stuckAfter {
				return r.stuckFailure(fmt.Sprintf("the harness's release() has not returned after %v", stuckAfter), waiting)
			}
			continue
		}
		if quiet-rescueAt < stuckAfter {
			continue
		}
		if r.vetoed(waiting) {
			rescueAt = quiet // still running: look again later
			continue
		}
		f := r.stuckFailure(r.stuckReason(waiting, rescue)+timeLeft(waiting, now), waiting)
		r.markTimeLeft(f, waiting)
		return f
	}
}

func (r *run) stuckReason(waiting []*client, rescue *slot) string {
	if r.cfg.owned {
		return r.ownedStuckReason(waiting, fmt.Sprintf("waited for %v without progress", r.cfg.stuck))
	}
	var ws []string
	for _, c := range waiting {
		ws = append(ws, fmt.Sprintf("client %d's %s", c.id, c.slots[c.cur.Load()-1].step))
	}
	who := strings.Join(ws, ", ")
	switch {
	case rescue == nil:
		return fmt.Sprintf("%s waited for %v without progress while no client was known to hold the lock (and releases of an unlocked lock are turned off)", who, r.cfg.stuck)
	case rescue.op.Output.OK:
		return fmt.Sprintf("every client was blocked, so the harness released the lock; its release() succeeded, yet none of the waiters (%s) proceeded within %v: a release with waiters after which none proceeds", who, r.cfg.stuck)
	}
	return fmt.Sprintf("every client was blocked, so the harness released the lock; its release() reported the lock unlocked, so %s waited on an unlocked lock and did not proceed within %v: a lost wake-up", who, r.cfg.stuck)
}

// vetoed reports whether one of the clients' goroutines is still running,
// runnable or sleeping: then the lock is slow, not stuck. It only knows
// about in-process locks.
func (r *run) vetoed(cs []*client) bool {
	if !r.cfg.inProcess {
		return false
	}
	ids := map[int64]bool{}
	for _, c := range cs {
		ids[c.gid.Load()] = true
	}
	for id, state := range goroutineStates(ids) {
		_ = id
		switch {
		case strings.HasPrefix(state, "running"), strings.HasPrefix(state, "runnable"),
			strings.HasPrefix(state, "syscall"), strings.HasPrefix(state, "sleep"),
			strings.HasPrefix(state, "preempted"), strings.HasPrefix(state, "GC"):
			return true
		}
	}
	return false
}

func (r *run) stuckFailure(reason string, cs []*client) *Failure {
	f := &Failure{Kind: Stuck, Summary: reason, marks: map[[2]int]string{}}
	for _, c := range cs {
		if k := c.cur.Load(); k > 0 {
			f.marks[[2]int{c.id, int(k - 1)}] = "◀ stuck"
		}
	}
	return f
}

// rescueRunning reports whether the harness's last rescue release is still
// being recorded; the harness runs one operation at a time.
func (r *run) rescueRunning() bool {
	if r.rescuing == nil {
		return false
	}
	select {
	case <-r.rescuing:
		return false
	default:
		return true
	}
}

// probe ends a finished run with the harness looking at the lock:
// locked(), try_acquire(), for a lock in another process that try failing
// acquire_timeout (probePatience) and a timed waiter let go by a release
// (probeProgress), and release() if it acquired. A lock left in a
// wrong state by the scenario shows it here. The probe runs on a goroutine
// of its own under the same stuck rule as the clients: a probe operation
// that does not return within the stuck timeout (and, in process, whose
// goroutine is parked) is stuck.
func (r *run) probe() *Failure {
	if r.rescuing != nil {
		if f := r.awaitHarness(r.rescuing); f != nil {
			return f
		}
	}
	if r.ctx.Err() != nil {
		return nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if r.cfg.inProcess {
			r.harness.gid.Store(goid())
		}
		r.probeOps()
	}()
	return r.awaitHarness(done)
}

// probeOps performs the probe's operations as the harness.
func (r *run) probeOps() {
	if _, ok := r.harness.lock.(lockedLock); ok {
		r.do(r.harness, Step{Kind: model.Locked}, -1)
	}
	k := r.harness.n.Load()
	r.do(r.harness, Step{Kind: model.TryAcquire}, -1)
	if r.harness.n.Load() > k && r.harness.slots[k].op.Output.OK || r.probePatience() || r.probeProgress() {
		if r.cfg.owned || r.cfg.unlockedRelease || r.takeHeld() { // an owned lock: the harness holds it
			r.do(r.harness, Step{Kind: model.Release}, -1)
		}
	}
}

// awaitHarness waits for the harness's operations to be recorded (done
// closed), or returns the failure of a harness operation that is stuck.
func (r *run) awaitHarness(done <-chan struct{}) *Failure {
	begin := time.Now()
	t := time.NewTimer(r.cfg.stuck)
	defer t.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-t.C:
		}
		k := r.harness.cur.Load()
		late := time.Since(begin) >= r.cfg.deadline
		if !late && (k == 0 || r.vetoed([]*client{r.harness})) {
			t.Reset(r.cfg.stuck) // between operations, or still running: look again later
			continue
		}
		what := "operation"
		if k > 0 {
			what = r.harness.slots[k-1].step.String()
		}
		return r.stuckFailure(fmt.Sprintf("the harness's %s has not returned after %v (a correct lock returns at once)",
			what, time.Since(begin).Round(time.Millisecond)), []*client{r.harness})
	}
}

// snapshot collects the history: completed operations, and operations in
// flight as pending ones.
func (r *run) snapshot() []history.Op {
	var h []history.Op
	for _, c := range append(r.clients, r.harness) {
		n := c.n.Load()
		for i := range n {
			h = append(h, c.slots[i].op)
		}
		if k := c.cur.Load(); k > n {
			sl := &c.slots[k-1]
			h = append(h, history.Op{Client: c.id, Input: sl.op.Input, Call: sl.op.Call, Return: history.Never,
				Output: model.Output{Pending: true}, Note: sl.op.Note})
		}
	}
	return h
}

// unblock tries to let clients still blocked in a stuck run return, so
// their goroutines do not leak: their contexts are already cancelled, and
// blocking acquires get releases. A lock that loses its waiters for good
// keeps them.
func (r *run) unblock(allDone <-chan struct{}) {
	if r.cfg.owned {
		r.unblockOwned(allDone)
		return
	}
	if !r.cfg.unlockedRelease {
		return // releasing a lock that may be unlocked is not allowed
	}
	for range 20 {
		select {
		case <-allDone:
			return
		default:
		}
		released := make(chan struct{})
		go func() {
			defer close(released)
			defer func() { _ = recover() }()
			_ = r.harness.lock.Release()
		}()
		select {
		case <-allDone:
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}
