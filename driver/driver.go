package driver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lockcheck/lockcheck/model"
	"github.com/lockcheck/lockcheck/sim"
)

// Version is the protocol version this package speaks.
const Version = 1

// Hello is the first word of a driver's hello line.
const Hello = "lockcheck-driver"

// maxLine bounds the length of a line from the driver.
const maxLine = 4096

// Options configure a driver process. The zero value gives the defaults.
//
// The timeouts only bound a misbehaviour: a correct driver never meets
// them, so they are generous, for loaded machines and slow interpreters.
// With both cores of a 2-core machine loaded (load average 19 to 32),
// lockdriver.py took up to 5.1s to print its hello, answered within 0.7s
// and exited within 0.3s of EOF (docs/design.md, "Timeouts").
type Options struct {
	// HelloTimeout bounds the wait for the hello line (default 60s: Java's
	// source launcher compiles the driver at start-up, which takes seconds,
	// and took over 30s on a heavily loaded two-core machine).
	HelloTimeout time.Duration
	// AnswerTimeout is how long past its bound a bounded request (every
	// operation but a blocking acquire; acquire_timeout's bound is its
	// timeout, the others' is zero) may go unanswered before the driver is
	// declared broken with NoAnswer (default 5s). The harness's own stuck
	// timeout (sim.WithStuckTimeout, 2s in sim.Run) is usually shorter; see
	// the package documentation of the lockcheck command for how the two
	// meet.
	AnswerTimeout time.Duration
	// Grace is how long Close waits for the driver to exit after closing
	// its stdin before it kills it, and how long the report of an exit
	// waits for the driver's last output (default 1s). A driver killed
	// after Grace is not reported: a loaded machine costs at worst the
	// report of a non-zero exit status at EOF.
	Grace time.Duration
	// StderrTail is how many of the last bytes of the driver's stderr are
	// kept for error reports (default 4096).
	StderrTail int
	// Dir and Env are those of the process (see os/exec.Cmd).
	Dir string
	Env []string
}

func (o Options) withDefaults() Options {
	if o.HelloTimeout <= 0 {
		o.HelloTimeout = time.Minute
	}
	if o.AnswerTimeout <= 0 {
		o.AnswerTimeout = 5 * time.Second
	}
	if o.Grace <= 0 {
		o.Grace = time.Second
	}
	if o.StderrTail <= 0 {
		o.StderrTail = 4096
	}
	return o
}

// Driver is one driver process: one lock, and a sim.Target for one run.
// Its methods are safe for concurrent use.
type Driver struct {
	cmd  *exec.Cmd
	opts Options
	ops  []model.Kind // advertised, in the order of the hello line
	has  map[model.Kind]bool

	stdin  *os.File // our ends of the pipes
	stdout *os.File
	stderr *os.File
	tail   *ring

	writeMu sync.Mutex

	mu       sync.Mutex
	gen      *generation // the clients of the current lock
	canReset bool        // the hello line offered reset
	resets   int         // resets sent
	resetReq *resetReq   // the reset awaiting its answer, or nil
	err      *Error
	closing  bool
	killed   bool

	done     chan struct{} // closed when broken or closing: operations return at once
	doneOnce sync.Once
	reaped   chan struct{} // closed once the process is reaped and state is set
	exited   chan struct{} // closed after reaped, once an unexpected exit is reported
	state    *os.ProcessState
	readDone chan struct{} // the stdout reader finished
	errDone  chan struct{} // the stderr copier finished
	hello    chan string

	stopCtx   func() bool
	beginOnce sync.Once
	endOnce   sync.Once
}

// Start starts argv as a driver and waits for its hello line. A driver that
// exits, says something other than a valid hello, or says nothing within
// Options.HelloTimeout is killed, and Start returns an [*Error]. When ctx is
// done, the driver is stopped (its operations return, Err reports it).
func Start(ctx context.Context, argv []string, opts Options) (*Driver, error) {
	if len(argv) == 0 {
		return nil, errors.New("driver: no command")
	}
	opts = opts.withDefaults()
	d := &Driver{
		opts:     opts,
		tail:     &ring{size: opts.StderrTail},
		gen:      newGeneration(),
		has:      map[model.Kind]bool{},
		done:     make(chan struct{}),
		reaped:   make(chan struct{}),
		exited:   make(chan struct{}),
		readDone: make(chan struct{}),
		errDone:  make(chan struct{}),
		hello:    make(chan string, 1),
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = opts.Dir, opts.Env
	var theirs []*os.File
	pipe := func(ours **os.File, theirsIsRead bool) error {
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		if theirsIsRead {
			*ours = w
			theirs = append(theirs, r)
		} else {
			*ours = r
			theirs = append(theirs, w)
		}
		return nil
	}
	closeAll := func() {
		for _, f := range append(theirs, d.stdin, d.stdout, d.stderr) {
			if f != nil {
				_ = f.Close()
			}
		}
	}
	if err := errors.Join(pipe(&d.stdin, true), pipe(&d.stdout, false), pipe(&d.stderr, false)); err != nil {
		closeAll()
		return nil, fmt.Errorf("driver: %w", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = theirs[0], theirs[1], theirs[2]
	if err := cmd.Start(); err != nil {
		closeAll()
		return nil, fmt.Errorf("driver: starting %s: %w", argv[0], err)
	}
	for _, f := range theirs {
		_ = f.Close()
	}
	d.cmd = cmd
	go d.wait()
	go d.read()
	go d.copyStderr()
	stop := context.AfterFunc(ctx, func() {
		d.fail(Exited, "stopped: %v", context.Cause(ctx))
		d.Close()
	})
	d.mu.Lock()
	d.stopCtx = stop
	d.mu.Unlock()

	timer := time.NewTimer(opts.HelloTimeout)
	defer timer.Stop()
	var helloErr error
	select {
	case line := <-d.hello:
		helloErr = d.parseHello(line)
	case <-d.readDone:
		// No hello: wait a little for the exit status, for the message.
		select {
		case <-d.exited:
		case <-time.After(opts.Grace):
		}
		helloErr = d.newError(Exited, "%s before writing its hello line", d.exitText("closed its stdout"))
	case <-timer.C:
		helloErr = d.newError(NoAnswer, "no hello line within %v", opts.HelloTimeout)
	case <-ctx.Done():
		helloErr = context.Cause(ctx)
	}
	if helloErr != nil {
		d.mu.Lock()
		if e, ok := helloErr.(*Error); ok {
			d.err = e // more to the point than an exit noticed meanwhile
		}
		d.mu.Unlock()
		d.Close()
		if e := d.Err(); e != nil {
			return nil, e
		}
		return nil, helloErr
	}
	return d, nil
}

func (d *Driver) newError(kind ErrorKind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// parseHello checks the hello line and records the operations.
func (d *Driver) parseHello(line string) error {
	const want = "want \"lockcheck-driver 1 OP ...\" with OPs from acquire, try_acquire, acquire_timeout, release, locked, and optionally the word reset"
	f := strings.Split(line, " ")
	if f[0] != Hello || len(f) < 2 {
		return d.newError(Protocol, "bad hello line %q (%s)", clip(line), want)
	}
	if f[1] != strconv.Itoa(Version) {
		return d.newError(Protocol, "hello line %q asks for protocol version %q; this harness speaks version %d", clip(line), clip(f[1]), Version)
	}
	for _, name := range f[2:] {
		if name == resetWord {
			if d.canReset {
				return d.newError(Protocol, "hello line %q offers reset twice", clip(line))
			}
			d.canReset = true
			continue
		}
		k, ok := model.ParseKind(name)
		if !ok || k == model.AcquireContext {
			return d.newError(Protocol, "hello line %q offers unknown operation %q (%s)", clip(line), clip(name), want)
		}
		if d.has[k] {
			return d.newError(Protocol, "hello line %q offers %s twice", clip(line), k)
		}
		d.has[k] = true
		d.ops = append(d.ops, k)
	}
	var missing []string
	for _, k := range []model.Kind{model.Acquire, model.TryAcquire, model.Release} {
		if !d.has[k] {
			missing = append(missing, k.String())
		}
	}
	if len(missing) > 0 {
		return d.newError(Protocol, "hello line %q lacks %s (acquire, try_acquire and release are required)", clip(line), strings.Join(missing, ", "))
	}
	return nil
}

// Ops returns the operations the driver advertised.
func (d *Driver) Ops() []model.Kind { return append([]model.Kind(nil), d.ops...) }

// Pid returns the driver's process id.
func (d *Driver) Pid() int { return d.cmd.Process.Pid }

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}

// wait reaps the process. An unexpected exit is reported after what the
// driver printed before it was read (answers are delivered, garbage is
// reported as such), unless a child of the driver keeps its stdout open.
func (d *Driver) wait() {
	_ = d.cmd.Wait()
	d.mu.Lock()
	d.state = d.cmd.ProcessState
	d.mu.Unlock()
	close(d.reaped)
	select { // Grace, not less: on a loaded machine the reader can lag
	case <-d.readDone:
	case <-time.After(d.opts.Grace):
	}
	d.mu.Lock()
	closing := d.closing
	d.mu.Unlock()
	if !closing {
		d.fail(Exited, "%s%s", d.exitText(""), d.outstandingText())
	}
	close(d.exited)
}

// exitText describes how the process ended, or returns alt if it has not.
func (d *Driver) exitText(alt string) string {
	d.mu.Lock()
	st := d.state
	d.mu.Unlock()
	if st == nil {
		return alt
	}
	if st.Exited() {
		return fmt.Sprintf("exited with status %d", st.ExitCode())
	}
	return fmt.Sprintf("ended (%v)", st)
}

// outstandingText lists the requests in flight, as " while ... was
// outstanding".
func (d *Driver) outstandingText() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var ws []string
	for _, id := range slices.Sorted(maps.Keys(d.gen.clients)) {
		if c := d.gen.clients[id]; c.req != nil {
			ws = append(ws, fmt.Sprintf("client %d's %s", id, c.req.kind))
		}
	}
	if d.resetReq != nil {
		ws = append(ws, fmt.Sprintf("reset %d", d.resetReq.n))
	}
	if len(ws) == 0 {
		return " with no request outstanding"
	}
	return " while " + strings.Join(ws, ", ") + " awaited an answer"
}

// read reads the driver's stdout: the hello line, then answers.
func (d *Driver) read() {
	defer close(d.readDone)
	br := bufio.NewReaderSize(d.stdout, maxLine)
	first := true
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			d.fail(Garbage, "printed a line longer than %d bytes: %q", maxLine, clip(string(line)))
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			continue
		}
		if err != nil {
			if len(line) > 0 && !first {
				d.fail(Garbage, "printed an unterminated line %q", clip(string(line)))
			}
			d.mu.Lock()
			closing := d.closing
			d.mu.Unlock()
			if !closing {
				select { // prefer the exit status, reported by wait
				case <-d.reaped:
				case <-time.After(d.opts.Grace):
					d.fail(Exited, "closed its stdout%s", d.outstandingText())
				}
			}
			return
		}
		text := string(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r")))
		if first {
			first = false
			d.hello <- text
			continue
		}
		d.answer(text)
	}
}

func (d *Driver) copyStderr() {
	defer close(d.errDone)
	buf := make([]byte, 4096)
	for {
		n, err := d.stderr.Read(buf)
		_, _ = d.tail.Write(buf[:n])
		if err != nil {
			return
		}
	}
}

// answer handles an answer line.
func (d *Driver) answer(line string) {
	f := strings.Split(line, " ")
	if len(f) != 2 || !isWord(f[1]) {
		d.fail(Garbage, "printed %q, which is not an answer \"CLIENT RESULT\"", clip(line))
		return
	}
	if f[0] == resetWord {
		d.resetAnswer(line, f[1])
		return
	}
	id, ok := parseClient(f[0])
	if !ok {
		d.fail(Garbage, "printed %q, whose client %q is not a small decimal integer", clip(line), clip(f[0]))
		return
	}
	d.mu.Lock()
	c := d.gen.clients[id]
	if d.closing || d.err != nil {
		d.mu.Unlock()
		return
	}
	if c == nil || c.req == nil {
		d.mu.Unlock()
		d.fail(Protocol, "answered %q, but client %d has no request outstanding (a wrong client id?)", clip(line), id)
		return
	}
	req := c.req
	if !validResult(req.kind, f[1]) {
		d.mu.Unlock()
		d.fail(Protocol, "client %d's %s was answered %q (want %s)", id, req.kind, clip(f[1]), wantResult(req.kind))
		return
	}
	c.req = nil
	c.answered++
	if req.timer != nil {
		req.timer.Stop()
	}
	d.mu.Unlock()
	req.answer <- f[1]
}

func isWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// parseClient parses a client id in canonical decimal.
func parseClient(s string) (int, bool) {
	if s == "" || len(s) > 9 || (s[0] == '0' && len(s) > 1) {
		return 0, false
	}
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

func validResult(k model.Kind, res string) bool {
	switch k {
	case model.Acquire:
		return res == "ok"
	case model.Release:
		return res == "ok" || res == "error"
	}
	return res == "true" || res == "false"
}

func wantResult(k model.Kind) string {
	switch k {
	case model.Acquire:
		return "ok"
	case model.Release:
		return "ok or error"
	}
	return "true or false"
}

// fail records the first misbehaviour and ends every operation. Nothing is
// recorded once Close has begun.
func (d *Driver) fail(kind ErrorKind, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	d.mu.Lock()
	if d.err == nil && !d.closing {
		d.err = &Error{Kind: kind, Msg: msg}
	}
	d.mu.Unlock()
	d.endOps()
}

func (d *Driver) endOps() { d.doneOnce.Do(func() { close(d.done) }) }

// send writes a request line.
func (d *Driver) send(line string) error {
	d.writeMu.Lock()
	defer d.writeMu.Unlock()
	_, err := d.stdin.WriteString(line + "\n")
	return err
}

// Err reports how the driver misbehaved, or nil. The error is an [*Error]
// carrying the tail of the driver's stderr.
func (d *Driver) Err() error {
	d.mu.Lock()
	g := d.gen
	d.mu.Unlock()
	return d.errOf(g)
}

// errOf is Err for the clients of generation g: nil if the driver answered
// the reset that ended g, else d's error with g's request counts.
func (d *Driver) errOf(g *generation) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.err == nil || g.reset {
		return nil
	}
	c := *d.err
	c.Stderr = d.tail.String()
	c.Sent, c.Answered = map[int]int{}, map[int]int{}
	for id, cl := range g.clients {
		c.Sent[id], c.Answered[id] = cl.sent, cl.answered
	}
	return &c
}

// Stderr returns the tail of what the driver wrote to its stderr so far.
func (d *Driver) Stderr() string { return d.tail.String() }

// Close ends the driver: it closes the driver's stdin, waits up to
// Options.Grace for it to exit, kills it if it has not, and reaps it.
// Operations still in progress return at once. A driver that exits with a
// non-zero status after its stdin was closed is reported by Err. Close
// returns nil; misbehaviour is Err's to report.
func (d *Driver) Close() error {
	d.beginClose()
	d.finishClose()
	return nil
}

// beginClose ends the operations and closes the driver's stdin.
func (d *Driver) beginClose() {
	d.beginOnce.Do(func() {
		d.mu.Lock()
		if d.stopCtx != nil {
			d.stopCtx()
		}
		d.closing = true
		now := time.Now()
		for _, id := range slices.Sorted(maps.Keys(d.gen.clients)) {
			c := d.gen.clients[id]
			req := c.req
			if req == nil || req.timer == nil {
				continue
			}
			req.timer.Stop()
			if late := now.Sub(req.sent) - req.bound; late > OverdueAtClose && d.err == nil {
				d.err = &Error{Kind: NoAnswer, Msg: fmt.Sprintf("client %d's %s got no answer for %v, when it was closed (a bounded operation answers within its bound plus %v)",
					c.id, req.kind, now.Sub(req.sent).Round(time.Millisecond), OverdueAtClose)}
			}
		}
		d.mu.Unlock()
		d.endOps()
		// Not under writeMu: closing the pipe also ends a write that blocks
		// because the driver does not read.
		_ = d.stdin.Close()
	})
}

// finishClose waits for the exit, kills the driver if needed, and reaps it
// and the goroutines reading its output.
func (d *Driver) finishClose() {
	d.endOnce.Do(func() {
		t := time.NewTimer(d.opts.Grace)
		defer t.Stop()
		select {
		case <-d.exited:
		case <-t.C:
			d.mu.Lock()
			d.killed = true
			d.mu.Unlock()
			_ = d.cmd.Process.Kill()
			<-d.exited
		}
		// The pipes reach EOF unless the driver left children holding
		// them; do not wait for those longer than Grace (not less: on a
		// loaded machine the readers can lag, and the stderr tail is the
		// report's evidence).
		drained := time.NewTimer(d.opts.Grace)
		defer drained.Stop()
		for _, ch := range []chan struct{}{d.readDone, d.errDone} {
			select {
			case <-ch:
			case <-drained.C:
			}
		}
		_ = d.stdout.Close()
		_ = d.stderr.Close()
		<-d.readDone
		<-d.errDone
		d.mu.Lock()
		if d.err == nil && !d.killed && d.state != nil && !d.state.Success() {
			d.err = &Error{Kind: Exited, Msg: fmt.Sprintf("%s after its stdin was closed (a driver exits with status 0 at EOF)", describeState(d.state))}
		}
		d.mu.Unlock()
	})
}

func describeState(st *os.ProcessState) string {
	if st.Exited() {
		return fmt.Sprintf("exited with status %d", st.ExitCode())
	}
	return fmt.Sprintf("ended (%v)", st)
}

// Client returns client id's handle: a sim.Lock that also has
// AcquireTimeout and Locked methods if the driver advertised them. The
// handle belongs to the current lock: after a [Driver.Reset] its operations
// return at once, like those of a closed driver.
func (d *Driver) Client(id int) sim.Lock {
	d.mu.Lock()
	g := d.gen
	d.mu.Unlock()
	return d.clientOf(g, id)
}

// clientOf returns client id's handle in generation g.
func (d *Driver) clientOf(g *generation, id int) sim.Lock {
	d.mu.Lock()
	c := g.clients[id]
	if c == nil {
		c = &client{d: d, g: g, id: id, turn: make(chan struct{}, 1)}
		g.clients[id] = c
	}
	d.mu.Unlock()
	switch t, l := d.has[model.AcquireTimeout], d.has[model.Locked]; {
	case t && l:
		return fullHandle{c}
	case t:
		return timeoutHandle{c}
	case l:
		return lockedHandle{c}
	}
	return baseHandle{c}
}

// client is one client of the driver: its requests go out one at a time.
type client struct {
	d    *Driver
	g    *generation
	id   int
	turn chan struct{} // holds a token while a request is outstanding
	// guarded by d.mu:
	req      *request // the request outstanding
	sent     int      // requests sent
	answered int      // requests answered
}

type request struct {
	kind   model.Kind
	bound  time.Duration // a correct driver answers within bound plus its latency
	sent   time.Time
	answer chan string
	timer  *time.Timer
}

// OverdueAtClose is how long past its bound a bounded request may still be
// unanswered when the driver is closed before the driver is reported with
// NoAnswer. The harness ends a run early (before every operation returned)
// only when something is stuck; its watchdog calls a bounded operation
// stuck 500ms (sim.WithStuckTimeout) past its bound, so such a request is
// overdue here, and the driver, not the lock, is blamed: the lock could not
// have blocked it.
const OverdueAtClose = 250 * time.Millisecond

// call sends a request and waits for its answer. ok is false when the
// driver is broken or closing.
func (c *client) call(k model.Kind, timeout time.Duration) (res string, ok bool) {
	d := c.d
	select {
	case c.turn <- struct{}{}:
	case <-d.done:
		return "", false
	case <-c.g.ended:
		return "", false
	}
	defer func() { <-c.turn }()
	line := fmt.Sprintf("%d %s", c.id, k)
	var bound time.Duration
	if k == model.AcquireTimeout {
		line += " " + strconv.FormatFloat(max(timeout, 0).Seconds(), 'f', -1, 64)
		bound = timeout
	}
	req := &request{kind: k, bound: max(bound, 0), sent: time.Now(), answer: make(chan string, 1)}
	d.mu.Lock()
	select {
	case <-d.done:
		d.mu.Unlock()
		return "", false
	case <-c.g.ended:
		d.mu.Unlock()
		return "", false
	default:
	}
	c.req = req
	c.sent++
	if k != model.Acquire {
		limit := req.bound + d.opts.AnswerTimeout
		req.timer = time.AfterFunc(limit, func() { d.overdue(c, req, limit) })
	}
	d.mu.Unlock()
	if err := d.send(line); err != nil {
		select { // prefer the exit status, reported by wait
		case <-d.exited:
		case <-time.After(d.opts.Grace):
		}
		d.fail(Exited, "stopped reading its stdin (%v)", err)
		return "", false
	}
	select {
	case a := <-req.answer:
		return a, true
	case <-d.done:
		return "", false
	}
}

// overdue declares the driver broken if req is still unanswered.
func (d *Driver) overdue(c *client, req *request, limit time.Duration) {
	d.mu.Lock()
	late := c.req == req
	d.mu.Unlock()
	if late {
		d.fail(NoAnswer, "client %d's %s got no answer within %v", c.id, req.kind, limit)
	}
}

func (c *client) acquire() { c.call(model.Acquire, 0) }

func (c *client) tryAcquire() bool {
	res, ok := c.call(model.TryAcquire, 0)
	return ok && res == "true"
}

func (c *client) acquireTimeout(d time.Duration) bool {
	res, ok := c.call(model.AcquireTimeout, d)
	return ok && res == "true"
}

func (c *client) release() error {
	res, ok := c.call(model.Release, 0)
	switch {
	case !ok:
		return errBroken
	case res == "error":
		return ErrNotLocked
	}
	return nil
}

func (c *client) locked() bool {
	res, ok := c.call(model.Locked, 0)
	return ok && res == "true"
}

// ErrNotLocked is Release's error when the driver answered "error": the
// lock was not locked.
var ErrNotLocked = errors.New("driver: release of an unlocked lock")

// errBroken is Release's error when the driver is broken or closed.
var errBroken = errors.New("driver: the driver is broken or closed")

// The handles: one type per set of optional methods, because the harness
// finds the optional methods by type assertion.
type (
	baseHandle    struct{ c *client }
	timeoutHandle struct{ c *client }
	lockedHandle  struct{ c *client }
	fullHandle    struct{ c *client }
)

func (h baseHandle) Acquire()         { h.c.acquire() }
func (h baseHandle) TryAcquire() bool { return h.c.tryAcquire() }
func (h baseHandle) Release() error   { return h.c.release() }

func (h timeoutHandle) Acquire()                            { h.c.acquire() }
func (h timeoutHandle) TryAcquire() bool                    { return h.c.tryAcquire() }
func (h timeoutHandle) Release() error                      { return h.c.release() }
func (h timeoutHandle) AcquireTimeout(d time.Duration) bool { return h.c.acquireTimeout(d) }

func (h lockedHandle) Acquire()         { h.c.acquire() }
func (h lockedHandle) TryAcquire() bool { return h.c.tryAcquire() }
func (h lockedHandle) Release() error   { return h.c.release() }
func (h lockedHandle) Locked() bool     { return h.c.locked() }

func (h fullHandle) Acquire()                            { h.c.acquire() }
func (h fullHandle) TryAcquire() bool                    { return h.c.tryAcquire() }
func (h fullHandle) Release() error                      { return h.c.release() }
func (h fullHandle) AcquireTimeout(d time.Duration) bool { return h.c.acquireTimeout(d) }
func (h fullHandle) Locked() bool                        { return h.c.locked() }

var _ sim.Target = (*Driver)(nil)
