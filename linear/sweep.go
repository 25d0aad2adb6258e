package linear

import (
	"errors"
	"fmt"
	"slices"

	"github.com/lockcheck/lockcheck/model"
)

// The sweep.
//
// A history is linearizable when its operations can be put in one order that
// respects real time (an operation that returned before another was called
// comes first) and is a legal sequence of steps of model.Step, starting from
// the initial State. This is porcupine's question, asked with the same model:
// states are sets of lock states (model.State), operations whose outcome is
// unknown (pending or "info") step with model.Output{Pending: true} and may
// be linearized anywhere after their call, every operation is linearized
// exactly once, and of two events at the same time the call comes first.
//
// The checker visits the events once, in time order, and keeps the set of
// configurations a linearization of the history so far can be in. Operations
// are linearized just in time (Lowe): an operation is placed in the order at
// the latest when it returns; at its return the checker may first place
// other operations that are still running (they may take effect before they
// return) and then the returning one. A configuration is
//
//   - s: the lock's State after the operations placed so far;
//   - pos: the operations placed ahead of their return, anonymously: a
//     position says "one operation of class c was placed here" where the
//     class is the operation's kind and outcome (placing a running operation
//     guesses its outcome). Operations of one class have the same step, so
//     they are interchangeable: which one fills a position is decided when
//     one of them returns, by the classic greedy matching of points to
//     intervals — the operation returning first takes the earliest position
//     after its call. A position is stored as its rank: how many running
//     operations of its kind were called before it (the positions a given
//     operation can take are those of rank at least its own), so that
//     configurations that differ only in which of several equivalent
//     operations ran ahead are one configuration. This is what keeps the set
//     small with many clients;
//   - seen: for each State, the last moment the order passed through it. An
//     operation whose step leaves a State unchanged (try_acquire → false on a
//     held lock, locked() → true, any failed acquire_context) can be placed
//     at any such moment after its call without changing anything after it,
//     so it is never placed ahead: at its return it is placed back in time if
//     the order passed through such a State since its call. Moments are
//     stored as the call of the latest running operation before them, again
//     so that equivalent configurations are equal.
//
// At the return of an operation o of class c each configuration has at most
// three ways on: o takes a position of class c (the earliest one it can; if
// one exists this dominates placing o now, which leaves a later, more useful
// position free); o is placed back in time; or other running operations are
// placed ahead (a breadth-first search over States and counts of new
// positions, through steps that change the State) and then o. Among the
// configurations that search yields, one that another can reach by placing
// more running operations now is dropped: the other can do so at any later
// moment. Configurations whose positions can no longer all be filled (Hall's
// condition on ranks: the j-th position must have rank at least j, and no
// more positions of definite outcomes than running operations that may still
// return them) are dropped. When no configuration is left the history is not
// linearizable, and the event that emptied the set is the failure; when the
// history ends, positions of definite outcomes left unfilled are dropped
// (operations that never returned are pending: they fill positions of the
// pending class or are placed at the end, where a pending step is always
// legal).
//
// Each event costs time proportional to the number of configurations times
// the number of running operations; memory is the same. Neither grows with
// the length of the history.

// class is an operation's equivalence class: its kind and outcome.
type class uint8

const (
	outFalse = iota
	outTrue
	outPending
	outcomes
)

const numClasses = (int(model.Locked) + 1) * outcomes

func classOf(k model.Kind, out model.Output) class {
	o := outFalse
	switch {
	case out.Pending:
		o = outPending
	case out.OK:
		o = outTrue
	}
	return class(int(k)*outcomes + o)
}

func (c class) kind() model.Kind { return model.Kind(int(c) / outcomes) }
func (c class) pending() bool    { return int(c)%outcomes == outPending }

// step[c][s] is model.Step(s, c); identity[c][s] says it leaves s unchanged.
var (
	step     [numClasses][4]model.State
	identity [numClasses][4]bool
	// mayIdentity[c] says c leaves some State unchanged.
	mayIdentity [numClasses]bool
	// ahead lists the classes worth placing ahead in some State: those
	// whose step is legal there and changes the State.
	ahead [4][]class
)

func init() {
	for _, k := range model.Kinds {
		for o := range outcomes {
			out := model.Output{Pending: o == outPending, OK: o == outTrue}
			c := classOf(k, out)
			for s := model.State(1); s <= model.StateEither; s++ {
				n := model.Step(s, model.Input{Kind: k}, out)
				step[c][s] = n
				identity[c][s] = n == s
				mayIdentity[c] = mayIdentity[c] || n == s
				if n != 0 && n != s {
					ahead[s] = append(ahead[s], c)
				}
			}
		}
	}
}

// position is an operation placed ahead of its return.
type position struct {
	class class
	rank  int32 // running operations of its kind called before it
}

// config is one configuration of the sweep (see above).
type config struct {
	s    model.State
	seen [3]int64 // per State s, at index s-1: canonical last moment in s, or -1
	pos  []position
}

// opInfo is what the checker keeps of a running operation.
type opInfo struct {
	kind  model.Kind
	call  int64 // sequence number of the call event
	known bool  // its class (outcome) is known in advance
	class class // when known
	info  bool  // it completed with an unknown outcome: it runs for ever
}

// classes returns the classes o may turn out to be of.
func (o *opInfo) classes() []class {
	if o.known {
		return []class{o.class}
	}
	c := class(int(o.kind) * outcomes)
	return []class{c + outFalse, c + outTrue, c + outPending}
}

// Errors of the streaming interface.
var (
	// ErrDuplicate is returned by Call for an operation id already running.
	ErrDuplicate = errors.New("linear: operation id already in use")
	// ErrUnknownOp is returned by Return for an id that is not running.
	ErrUnknownOp = errors.New("linear: return of an operation that is not running")
	// ErrOutcome is returned by Return when the outcome differs from the
	// one announced by CallKnown.
	ErrOutcome = errors.New("linear: outcome differs from the one announced")
	// ErrEnded is returned for events after End.
	ErrEnded = errors.New("linear: event after End")
)

// Checker is the streaming checker. Feed it the events of a history in time
// order — Call (or CallKnown) when an operation is invoked, Return when it
// completes (with Output.Pending for an outcome that is unknown) — then End.
// Of a call and a return at the same moment, feed the call first
// (porcupine's convention). Memory is proportional to the number of running
// operations times the number of configurations, not to the number of
// events. The zero Checker is not usable; make one with New.
//
// An operation whose outcome is announced at its call (CallKnown, for
// example by a reader that looks ahead in the file) is only ever placed
// ahead with that outcome; one whose outcome is not known may be placed
// ahead with any outcome, which costs configurations.
type Checker struct {
	init    model.State
	seq     int64
	ops     map[int64]*opInfo
	pool    [numClasses][]int64          // per class: calls of the operations that may fill its positions, ascending
	members [int(model.Locked) + 1]int32 // per kind: operations in some pool of the kind
	running []int64                      // calls of operations that may still return, ascending
	configs []config
	maxCfg  int
	ended   bool
	fail    *Failure

	// scratch
	next []config
	keys map[string]int
	buf  []byte
}

// Failure describes the event at which the sweep found no configuration.
type Failure struct {
	// Op is the id of the operation whose event emptied the set (-1 at
	// the end of the history).
	Op int64
	// Seq is the sequence number of that event (1 for the first event).
	Seq int64
	// End is true when the set emptied at the end of the history (an
	// operation placed ahead never returned with the outcome guessed).
	End bool
	// States is the union of the States of the configurations just before
	// the event: the lock states the failing operation found.
	States model.State
}

// New returns a Checker for a history that starts in the given State
// (model.StateUnlocked for a fresh lock).
func New(init model.State) *Checker {
	if init == 0 {
		init = model.StateUnlocked
	}
	c := &Checker{init: init, ops: map[int64]*opInfo{}, keys: map[string]int{}}
	c.configs = []config{{s: init, seen: [3]int64{-1, -1, -1}}}
	c.maxCfg = 1
	return c
}

// Failed returns the failure, or nil while the history so far is
// linearizable.
func (c *Checker) Failed() *Failure { return c.fail }

// States returns the union of the States of the current configurations (0
// after a failure).
func (c *Checker) States() model.State {
	var u model.State
	for i := range c.configs {
		u |= c.configs[i].s
	}
	return u
}

// aheadClasses returns the classes with a position in some configuration,
// a bit per class.
func (c *Checker) aheadClasses() uint32 {
	var m uint32
	for i := range c.configs {
		for _, p := range c.configs[i].pos {
			m |= 1 << p.class
		}
	}
	return m
}

// Configurations returns the number of configurations now, and the largest
// number seen so far.
func (c *Checker) Configurations() (now, most int) { return len(c.configs), c.maxCfg }

// Running returns the number of operations the checker keeps: running ones
// and those with an unknown outcome.
func (c *Checker) Running() int { return len(c.ops) }

// Call records the invocation of operation id, whose outcome is not known
// yet. Ids are the caller's; an id may be reused once its operation has
// returned with a definite outcome.
func (c *Checker) Call(id int64, in model.Input) error { return c.call(id, in, nil) }

// CallKnown records the invocation of operation id whose outcome out is
// known in advance (Pending if it will never return, or return "info").
// Return must then be given the same outcome.
func (c *Checker) CallKnown(id int64, in model.Input, out model.Output) error {
	return c.call(id, in, &out)
}

func (c *Checker) call(id int64, in model.Input, out *model.Output) error {
	if c.ended {
		return ErrEnded
	}
	if _, dup := c.ops[id]; dup {
		return fmt.Errorf("%w: %d", ErrDuplicate, id)
	}
	if in.Kind < model.Acquire || in.Kind > model.Locked {
		return fmt.Errorf("linear: operation %d has an unknown kind %v", id, in.Kind)
	}
	c.seq++
	o := &opInfo{kind: in.Kind, call: c.seq}
	if out != nil {
		o.known, o.class = true, classOf(in.Kind, *out)
	}
	c.ops[id] = o
	for _, cl := range o.classes() {
		c.pool[cl] = append(c.pool[cl], c.seq)
	}
	c.members[in.Kind]++
	c.running = append(c.running, c.seq)
	return nil
}

// Return records the completion of operation id with outcome out. With
// out.Pending the operation's outcome is unknown: it stays running for
// ever, like an operation that never returned.
func (c *Checker) Return(id int64, out model.Output) error {
	if c.ended {
		return ErrEnded
	}
	o, ok := c.ops[id]
	if !ok || o.info {
		return fmt.Errorf("%w: %d", ErrUnknownOp, id)
	}
	cl := classOf(o.kind, out)
	if o.known && o.class != cl {
		return fmt.Errorf("%w: operation %d", ErrOutcome, id)
	}
	c.seq++
	c.removeRunning(o.call)
	if out.Pending {
		o.info = true
		if !o.known {
			c.becomePending(o)
			if c.fail == nil {
				c.filter(c.fillable, id)
			}
		}
		o.known, o.class = true, cl
		return nil
	}
	delete(c.ops, id)
	var q [numClasses]int32
	for _, x := range o.classes() {
		q[x] = c.removePool(x, o.call)
	}
	c.members[o.kind]--
	if c.fail == nil {
		c.ret(id, o, cl, &q)
	}
	return nil
}

// becomePending takes an operation of unknown outcome out of the pools of
// its definite classes, in the checker and in every configuration.
func (c *Checker) becomePending(o *opInfo) {
	for _, x := range o.classes() {
		if x.pending() {
			continue
		}
		q := c.removePool(x, o.call)
		for i := range c.configs {
			lower(c.configs[i].pos, x, q, -1)
		}
	}
	o.known, o.class = true, class(int(o.kind)*outcomes+outPending)
}

// lower lowers by one the ranks of the positions of class x at or above q
// (an operation of rank q left x's pool), except position skip.
func lower(pos []position, x class, q int32, skip int) {
	for j := range pos {
		if j != skip && pos[j].class == x && pos[j].rank >= q {
			pos[j].rank--
		}
	}
}

// End declares the history complete: operations still running never
// returned and their outcome is unknown. It returns the failure, or nil if
// the history is linearizable.
func (c *Checker) End() *Failure {
	if c.ended {
		return c.fail
	}
	c.ended = true
	for _, o := range c.ops {
		if !o.known {
			c.becomePending(o)
		}
	}
	c.running = c.running[:0]
	c.seq++
	if c.fail == nil {
		c.filter(func(cf *config) bool {
			for _, p := range cf.pos {
				if !p.class.pending() {
					return false
				}
			}
			return c.fillable(cf)
		}, -1)
		if c.fail != nil {
			c.fail.End = true
		}
	}
	return c.fail
}

func (c *Checker) removeRunning(call int64) {
	i, _ := slices.BinarySearch(c.running, call)
	c.running = slices.Delete(c.running, i, i+1)
}

// removePool removes the operation called at call from the pool of class
// x and returns its rank there (from 1).
func (c *Checker) removePool(x class, call int64) int32 {
	i, _ := slices.BinarySearch(c.pool[x], call)
	c.pool[x] = slices.Delete(c.pool[x], i, i+1)
	return int32(i + 1)
}

// fillable checks Hall's condition on the positions of cf: per class, the
// j-th lowest rank must be at least j (and at most the pool's size); per
// kind, no more positions than operations that may fill them.
func (c *Checker) fillable(cf *config) bool {
	var perKind [int(model.Locked) + 1]int32
	j := int32(0)
	for i, p := range cf.pos { // sorted by class, then rank
		if i == 0 || cf.pos[i-1].class != p.class {
			j = 0
		}
		j++
		if p.rank < j || p.rank > int32(len(c.pool[p.class])) {
			return false
		}
		k := p.class.kind()
		perKind[k]++
		if perKind[k] > c.members[k] {
			return false
		}
	}
	return true
}

// filter keeps the configurations that pass keep; if none does, the event
// (of operation id) is the failure.
func (c *Checker) filter(keep func(*config) bool, id int64) {
	before := c.States()
	out := c.configs[:0]
	for i := range c.configs {
		if keep(&c.configs[i]) {
			out = append(out, c.configs[i])
		}
	}
	c.configs = out
	c.canonical()
	if len(c.configs) == 0 {
		c.fail = &Failure{Op: id, Seq: c.seq, States: before}
	}
}

// canonical rewrites seen moments as the call of the latest operation that
// is still running at or before them, and merges equal configurations.
func (c *Checker) canonical() {
	for i := range c.configs {
		cf := &c.configs[i]
		for j, t := range cf.seen {
			cf.seen[j] = c.canonMoment(t)
		}
		// The order is in its current State until now.
		cf.seen[cf.s-1] = c.canonMoment(c.seq)
	}
	if len(c.configs) < 2 {
		return
	}
	clear(c.keys)
	out := c.configs[:0]
	for _, cf := range c.configs {
		k := c.key(&cf)
		if _, dup := c.keys[string(k)]; dup {
			continue
		}
		c.keys[string(k)] = 1
		out = append(out, cf)
	}
	c.configs = c.prune(out)
}

// prune drops every configuration that another one dominates: one whose
// States include its States, with the same number of positions of each
// class at ranks at least as high (a position of higher rank can be filled
// by more operations), and each State seen at least as late (more moments
// to place operations back in time). The other can follow every
// continuation the dominated one has.
func (c *Checker) prune(cfs []config) []config {
	if len(cfs) < 2 {
		return cfs
	}
	dead := make([]bool, len(cfs))
	for i := range cfs {
		if dead[i] {
			continue
		}
		for j := range cfs {
			if i != j && !dead[j] && dominates(&cfs[j], &cfs[i]) {
				dead[i] = true
				break
			}
		}
	}
	out := cfs[:0]
	for i, cf := range cfs {
		if !dead[i] {
			out = append(out, cf)
		}
	}
	return out
}

// dominates reports whether b dominates a (see prune). Equal
// configurations were merged before, so b ≠ a.
func dominates(b, a *config) bool {
	if a.s&^b.s != 0 || len(a.pos) != len(b.pos) {
		return false
	}
	for i := range a.seen {
		if b.seen[i] < a.seen[i] {
			return false
		}
	}
	// Positions are sorted by class, then rank: compare them pairwise.
	for i := range a.pos {
		if a.pos[i].class != b.pos[i].class || b.pos[i].rank < a.pos[i].rank {
			return false
		}
	}
	return true
}

func (c *Checker) canonMoment(t int64) int64 {
	if t < 0 {
		return -1
	}
	i, found := slices.BinarySearch(c.running, t)
	if found {
		return t
	}
	if i == 0 {
		return -1
	}
	return c.running[i-1]
}

func (c *Checker) key(cf *config) []byte {
	b := c.buf[:0]
	b = append(b, byte(cf.s))
	for _, t := range cf.seen {
		b = appendVarint(b, t+1)
	}
	for _, p := range cf.pos {
		b = append(b, byte(p.class))
		b = appendVarint(b, int64(p.rank))
	}
	c.buf = b
	return b
}

func appendVarint(b []byte, v int64) []byte {
	u := uint64(v)
	for u >= 0x80 {
		b = append(b, byte(u)|0x80)
		u >>= 7
	}
	return append(b, byte(u))
}

// ret handles the return of operation o (id) of class cl; q holds its rank
// in the pool of each class it was in, before its removal.
func (c *Checker) ret(id int64, o *opInfo, cl class, q *[numClasses]int32) {
	before := c.States()
	c.next = c.next[:0]
	clear(c.keys)
	classes := o.classes()
	for i := range c.configs {
		cf := &c.configs[i]
		taken := -1
		for j, p := range cf.pos {
			if p.class == cl && p.rank >= q[cl] && (taken < 0 || p.rank < cf.pos[taken].rank) {
				taken = j
			}
		}
		// o left the pools: ranks at or above its own drop by one.
		dec := slices.Clone(cf.pos)
		for _, x := range classes {
			lower(dec, x, q[x], -1)
		}
		if taken >= 0 {
			// (a) o takes the earliest position it can.
			a := config{s: cf.s, seen: cf.seen, pos: slices.Delete(slices.Clone(dec), taken, taken+1)}
			if c.fillable(&a) {
				c.add(a)
			}
		}
		// (b) o placed back in time, at a moment in a State it leaves alone.
		back := false
		for s := model.State(1); s <= model.StateEither; s++ {
			if identity[cl][s] && (s == cf.s || cf.seen[s-1] >= o.call) {
				back = true
			}
		}
		if taken >= 0 && !back {
			continue
		}
		base := config{s: cf.s, seen: cf.seen, pos: dec}
		if !c.fillable(&base) {
			continue
		}
		if back {
			c.add(base)
		}
		if taken < 0 {
			// (c) place other running operations ahead, then o.
			c.closure(&base, cl)
		}
	}
	c.configs, c.next = c.next, c.configs
	c.canonical()
	c.maxCfg = max(c.maxCfg, len(c.configs))
	if len(c.configs) == 0 {
		c.fail = &Failure{Op: id, Seq: c.seq, States: before}
	}
}

// add adds a configuration to c.next unless an equal one is there.
func (c *Checker) add(cf config) {
	k := c.key(&cf)
	if _, dup := c.keys[string(k)]; dup {
		return
	}
	c.keys[string(k)] = len(c.next)
	c.next = append(c.next, cf)
}

func sortPos(p []position) {
	slices.SortFunc(p, func(a, b position) int {
		if a.class != b.class {
			return int(a.class) - int(b.class)
		}
		return int(a.rank) - int(b.rank)
	})
}

// node is a state of the search at a return: the State reached, the States
// passed through (a bit per State), and the positions added, per class.
type node struct {
	s       model.State
	visited uint8
	added   [numClasses]uint8
}

// closure runs the search of case (c) from base, for the returning
// operation of class cl (already out of the pools), and adds the resulting
// configurations that no other result dominates.
func (c *Checker) closure(base *config, cl class) {
	var have [numClasses]int32
	var haveK [int(model.Locked) + 1]int32
	for _, p := range base.pos {
		have[p.class]++
		haveK[p.class.kind()]++
	}
	grow := func(n node, visit func(node)) {
		for _, a := range ahead[n.s] {
			ak := a.kind()
			if n.added[a] == 255 || have[a]+int32(n.added[a])+1 > int32(len(c.pool[a])) {
				continue
			}
			addedK := int32(0)
			for x := class(int(ak) * outcomes); x < class(int(ak+1)*outcomes); x++ {
				addedK += int32(n.added[x])
			}
			if haveK[ak]+addedK+1 > c.members[ak] {
				continue
			}
			m := n
			m.s = step[a][n.s]
			m.visited |= 1 << (m.s - 1)
			m.added[a]++
			visit(m)
		}
	}
	start := node{s: base.s, visited: 1 << (base.s - 1)}
	seen := map[node]bool{start: true}
	queue := []node{start}
	var results []node
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if s := step[cl][n.s]; s != 0 {
			r := n
			r.s = s
			r.visited |= 1 << (s - 1)
			results = append(results, r)
		}
		grow(n, func(m node) {
			if !seen[m] {
				seen[m] = true
				queue = append(queue, m)
			}
		})
	}
	results = undominated(results, grow)
	for _, r := range results {
		cf := config{s: r.s, seen: base.seen}
		for s := range 3 {
			if r.visited&(1<<s) != 0 {
				cf.seen[s] = c.seq
			}
		}
		cf.pos = slices.Clone(base.pos)
		for a, n := range r.added {
			for range n {
				cf.pos = append(cf.pos, position{class: class(a), rank: int32(len(c.pool[a]))})
			}
		}
		sortPos(cf.pos)
		c.add(cf)
	}
}

// undominated drops the results another result reaches by placing more
// running operations ahead now (passing through at least the same States):
// that one can place them at any later moment as well.
func undominated(results []node, grow func(node, func(node))) []node {
	if len(results) < 2 {
		return results
	}
	total := func(n node) int {
		t := 0
		for _, a := range n.added {
			t += int(a)
		}
		return t
	}
	slices.SortStableFunc(results, func(a, b node) int { return total(a) - total(b) })
	reach := map[node]bool{}
	var kept []node
	for _, r := range results {
		probe := r
		dominated := false
		for v := uint8(0); v < 8 && !dominated; v++ {
			if v&r.visited == r.visited {
				probe.visited = v
				dominated = reach[probe]
			}
		}
		if dominated {
			continue
		}
		kept = append(kept, r)
		queue := []node{r}
		reach[r] = true
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			grow(n, func(m node) {
				if !reach[m] {
					reach[m] = true
					queue = append(queue, m)
				}
			})
		}
	}
	return kept
}
