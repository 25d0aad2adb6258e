/*
 * Promela model of lock.Lock (lock/lock.go), checked exhaustively by spin.
 *
 * docs/formal.md says what is checked, with the results, and what the model
 * abstracts away. formal/check.sh runs every check. formal/sync_test.go keeps
 * the model in step with lock.go.
 *
 * Conventions
 *
 *   [lock.go: <name>] the Promela next to it models the Go function or method
 *                     <name> of lock/lock.go. sync_test.go fails if lock.go no
 *                     longer declares `name`, and if lock.go declares a
 *                     function touching the lock's synchronization state that
 *                     no such reference names.
 *   #define mutexLocked ...   the state-word constants carry lock.go's names;
 *                     sync_test.go compares their values with lock.go's.
 *
 * Granularity. Each atomic operation on the state word is one atomic step, as
 * in Go: a load (atomic.LoadInt32, l.load) is `s = state` or load(), a
 * compare-and-swap (atomic.CompareAndSwapInt32, l.cas) is one d_step, cas.
 * Computations on goroutine-local variables are invisible to other
 * goroutines and sit between those steps. l.mu is an ideal blocking mutex
 * (muLock, muUnlock). The fields l.mu guards (head, tail,
 * waiter.prev/next/queued/handoff) are touched only by the goroutine holding
 * mu, so a run of such accesses is one step: no other process can observe
 * the intermediate states, so merging them removes no behaviour.
 *
 * RMW_BEGIN ... RMW_END brackets a load and the CAS that follows it: one
 * iteration of a loop `for { s := l.load(); ...; if l.cas(s, f(s)) {...} }`,
 * or a fast path `load() == o && cas(o, n)`. With FUSED=0 (default) they are
 * nothing: load and CAS are separate steps. With FUSED=1 they make an atomic
 * sequence, so the CAS always succeeds. This is a reduction, not an
 * approximation: a failed CAS changes no shared variable and is followed
 * by what follows a load that sees the same mismatch (a retry, or the slow
 * path), so it is a stuttering step; a successful CAS(s, f(s)) finds
 * state == s, so moving the load (and the local computation after it) up to
 * the CAS gives the same s and the same decisions; and a load that leaves
 * without a CAS is one step either way. FUSED=1 therefore has exactly the
 * behaviours of FUSED=0 up to stuttering, which preserves assertions on
 * shared state, deadlocks, and LTL without next-time. check.sh runs FUSED=0
 * for the small sizes and FUSED=1 for the larger ones.
 *
 * Parameters (cpp macros: spin -DNAME=value):
 *   N       number of goroutines (2..6)
 *   OPS     calls each goroutine chooses freely (0 = it runs forever).
 *           A goroutine that holds the lock calls Release next, and before
 *           it exits; those calls are not counted.
 *   OWNED   1: only the holder calls Release (sync.Mutex discipline);
 *           0 (default): any goroutine may call Release at any time.
 *   FUSED   see above.
 *   HANDOFF_LOCKED  1: also assert that handOff only ever passes on a lock
 *           that is held (see ghost_handoff).
 *   NO_LIN  1: drop the assertions about the abstract lock (LINASSERT), so
 *           that with OWNED the classic mutual-exclusion check (cs) stands
 *           alone; check.sh shows that it catches BROKEN 5 by itself.
 *   LTL     1: define the LTL properties and their ghosts (liveness runs).
 *   BROKEN  0: lock.go's algorithm. k > 0: a deliberately broken variant,
 *           which check.sh expects spin to reject:
 *     1  acquireSlow enqueues without re-checking the locked bit under mu
 *        (a waiter parks on a free lock: lost wake-up)
 *     2  wakeOne does not give woken back when the queue is empty
 *        (no release wakes anybody again: lost wake-up)
 *     3  withdraw treats a hand-off like a time-out
 *        (a timed-out acquirer returns false holding the lock)
 *     4  releaseSlow tests the state word for 0 instead of the locked bit
 *        (Release of an unlocked lock reports success)
 *     5  handOff clears the locked bit while it hands the lock over
 *        (the waiter holds the lock while the word says free: mutual
 *        exclusion is lost)
 */

#ifndef N
#define N 2
#endif
#ifndef OPS
#define OPS 2
#endif
#ifndef OWNED
#define OWNED 0
#endif
#ifndef FUSED
#define FUSED 0
#endif
#ifndef HANDOFF_LOCKED
#define HANDOFF_LOCKED 0
#endif
#ifndef LTL
#define LTL 0
#endif
#ifndef BROKEN
#define BROKEN 0
#endif

#if FUSED
#define RMW_BEGIN atomic {
#define RMW_END   }
#else
#define RMW_BEGIN
#define RMW_END
#endif

#ifndef NO_LIN
#define NO_LIN 0
#endif
#if NO_LIN
#define LINASSERT(x) skip
#else
#define LINASSERT(x) assert(x)   /* an assertion about the abstract lock (owner) */
#endif

#if LTL
#define LIVE(x) x            /* ghosts used only by the LTL properties */
#else
#define LIVE(x) skip
#endif

/* ---- the state word: lock.go's const block --------------------------- */

#define mutexLocked   1
#define mutexWoken    2
#define mutexStarving 4
#define waiterShift   3
#define waiterOne     8

#define L  mutexLocked
#define W  mutexWoken
#define S  mutexStarving
#define isset(x, b) (((x) & (b)) != 0)
#define waiters(x)  ((x) >> waiterShift)

#define NIL  255   /* nil *waiter */
#define NONE 255   /* no goroutine */

/* The calls a goroutine chooses from (op). */
#define ACQUIRE      1   /* Acquire, Lock */
#define ACQ_TIMEOUT  2   /* AcquireTimeout(d), d > 0 */
#define ACQ_TIMEOUT0 3   /* AcquireTimeout(d), d <= 0 */
#define ACQ_CONTEXT  4   /* AcquireContext(ctx) */
#define TRY_ACQUIRE  5   /* TryAcquire */
#define RELEASE      6   /* Release, Unlock */
/* What an acquire call does after its fast-path CAS failed. */
#define THEN_TRY     7   /* tryAcquireSlow */
#define THEN_SLOW    8   /* acquireSlow */

/* ---- the Lock -------------------------------------------------------- */

byte state;                   /* l.state: int32, only through sync/atomic; a byte suffices here */
byte mu;                      /* l.mu: 0 unlocked, else the holder's _pid+1 */
byte head = NIL, tail = NIL;  /* l.head, l.tail (mu) */

/*
 * Goroutine p's waiter is waiter p. acquireSlow allocates one waiter per call
 * and, once the call has returned, the lock holds no reference to it (the
 * model asserts this at every return: not queued, nothing in its channel), so
 * one record per goroutine is indistinguishable from a fresh one per call, or
 * from recycling waiters through a sync.Pool.
 */
byte wprev[N] = NIL, wnext[N] = NIL;  /* waiter.prev, waiter.next (mu) */
bool queued[N];                       /* waiter.queued (mu) */
bool handoff[N];                      /* waiter.handoff (written under mu, before the signal) */
chan wch[N] = [1] of { bit };         /* waiter.ch: buffered, capacity 1 */

/* ---- ghost state (not in lock.go) ------------------------------------- */

/*
 * The abstract lock of the specification (docs/design.md, "The model"): free,
 * or held by the acquisition of one goroutine (owner). It changes in the same
 * atomic step as the operation that is the linearization point:
 *   acquisition  a CAS that sets the locked bit (made by the acquirer);
 *   release      a CAS that clears the locked bit (made by the releaser);
 *   hand-off     handOff's CAS (in addWaiters), which keeps the locked bit:
 *                the releaser's release and the head waiter's acquisition.
 * A failed Release linearizes at the Load that sees the lock unlocked, a
 * failed acquisition at the step where it last saw the lock held.
 */
byte owner = NONE;     /* whose acquisition holds the lock */
#if OWNED
#define CS_END(p) skip   /* cs[p] ends when p calls Release, independently of owner */
#else
#define CS_END(p) cs[p] = false   /* whoever releases p's acquisition ends p's hold */
#endif
bool got[N];           /* the lock was assigned to p's current acquire call */
bool cs[N];            /* p's acquire call returned success and p still holds the lock */
bool waiting[N];       /* LTL: p is in a blocking acquire call */
bool parked[N];        /* LTL: p is queued or blocked in acquireSlow's select */
byte qlen;             /* length of the waiter queue */

#define locked isset(state, L)   /* [lock.go: Locked], which only loads the word */

/* lock.go's invariants I1 and I2, which hold whenever mu is not held. */
inline check_inv() {
	assert(mu != 0 || waiters(state) == qlen);                               /* I1 */
	assert(mu != 0 || !isset(state, S) || (locked && waiters(state) > 0));   /* I2 */
}

/* Trails: spin -t prints these (the verifier ignores printf). */
inline TRACE_STATE(o, nw) {
	printf("p%d   state %d -> %d: locked=%d woken=%d starving=%d waiters=%d\n",
		_pid, o, nw, isset(nw, L), isset(nw, W), isset(nw, S), waiters(nw))
}
inline TRACE_CALL() {
	if
	:: op == ACQUIRE -> printf("p%d Acquire\n", _pid)
	:: op == ACQ_TIMEOUT -> printf("p%d AcquireTimeout(d > 0)\n", _pid)
	:: op == ACQ_TIMEOUT0 -> printf("p%d AcquireTimeout(0)\n", _pid)
	:: op == ACQ_CONTEXT -> printf("p%d AcquireContext\n", _pid)
	:: op == TRY_ACQUIRE -> printf("p%d TryAcquire\n", _pid)
	:: op == RELEASE -> printf("p%d Release\n", _pid)
	fi
}

/* The abstract lock passes from free to goroutine p, the caller. */
inline ghost_acquire(p) {
	LINASSERT(owner == NONE);           /* mutual exclusion: nothing outstanding */
	owner = p; got[p] = true
}

/* The outstanding acquisition ends; the caller is the releaser. */
inline ghost_release() {
	LINASSERT(owner != NONE);           /* only a held lock is released */
	LINASSERT(!didrel);                 /* a Release call releases once */
	CS_END(owner); owner = NONE; didrel = true
}

/*
 * Hand-off to w: the outstanding acquisition ends and w's begins, in one
 * step. handOff checks starving once, under mu, but clearStarving runs
 * without mu: by the time of this CAS the lock may have left starving mode,
 * and (when two Release calls race for the same acquisition) even have been
 * released. Then w acquires the free lock and this Release call releases w's
 * acquisition at once, which is still linearizable (docs/formal.md, "stale
 * hand-off"). HANDOFF_LOCKED asserts that it does not happen.
 */
inline ghost_handoff(w) {
	LINASSERT(!didrel);
	didrel = true; got[w] = true;
	if
	:: owner != NONE -> CS_END(owner); owner = w
	:: else -> assert(!HANDOFF_LOCKED)
	fi
}

/*
 * [lock.go: cas]: atomic.CompareAndSwapInt32(&l.state, o, nw), one atomic
 * step, with the linearization ghosts. ho: handOff's waiter, NONE elsewhere.
 * Sets ok. After every write the locked bit must say whether an acquisition
 * is outstanding (mutual exclusion, stated on the state word), and I1, I2
 * must hold if mu is free.
 */
inline cas(o, nw, ho) {
	d_step {
		if
		:: state == o ->
			if :: op == RELEASE -> wrote = true :: else -> skip fi;
			if :: op != RELEASE && isset(o, L) -> sawheld = true :: else -> skip fi;
			state = nw; ok = true;
			TRACE_STATE(o, nw);
			if
			:: ho != NONE -> ghost_handoff(ho)
			:: ho == NONE && !isset(o, L) && isset(nw, L) -> ghost_acquire(_pid)
			:: ho == NONE && isset(o, L) && !isset(nw, L) -> ghost_release()
			:: else -> skip
			fi;
			LINASSERT(locked == (owner != NONE));
			check_inv()
		:: else ->
			if :: op != RELEASE && locked -> sawheld = true :: else -> skip fi;
			ok = false
		fi
	}
}

/* [lock.go: load]: atomic.LoadInt32(&l.state) (an acquirer remembers
 * whether it saw the lock held). */
inline load() {
	d_step {
		s = state;
		if :: op != RELEASE && isset(s, L) -> sawheld = true :: else -> skip fi
	}
}

/*
 * The fast paths of Acquire, Lock, TryAcquire, AcquireTimeout, AcquireContext
 * (o = 0) and Release, Unlock (o = mutexLocked): atomic.LoadInt32(&l.state) == o &&
 * atomic.CompareAndSwapInt32(&l.state, o, nw). Sets ok.
 */
inline fastpath(o, nw) {
	RMW_BEGIN
	load();
	if
	:: s == o -> cas(o, nw, NONE)
	:: else -> ok = false
	fi
	RMW_END
}

/* l.mu.Lock(), l.mu.Unlock(): sync.Mutex as an ideal blocking mutex. */
inline muLock()   { atomic { mu == 0 -> mu = _pid + 1 } }
inline muUnlock() { atomic { assert(mu == _pid + 1); mu = 0; check_inv() } }

/* ---- queue operations, all under mu ----------------------------------- */

inline pushBack(w) {   /* [lock.go: pushBack] */
	assert(!queued[w]);
	queued[w] = true;
	wnext[w] = NIL;
	wprev[w] = tail;
	if
	:: tail != NIL -> wnext[tail] = w
	:: else -> head = w
	fi;
	tail = w;
	qlen++
}

inline pushFront(w) {  /* [lock.go: pushFront] */
	assert(!queued[w]);
	queued[w] = true;
	wprev[w] = NIL;
	wnext[w] = head;
	if
	:: head != NIL -> wprev[head] = w
	:: else -> tail = w
	fi;
	head = w;
	qlen++
}

inline remove(w) {     /* [lock.go: remove] */
	assert(queued[w]);
	if
	:: wprev[w] != NIL -> wnext[wprev[w]] = wnext[w]
	:: else -> head = wnext[w]
	fi;
	if
	:: wnext[w] != NIL -> wprev[wnext[w]] = wprev[w]
	:: else -> tail = wprev[w]
	fi;
	wprev[w] = NIL; wnext[w] = NIL;
	queued[w] = false;
	qlen--
}

/* w.ch <- struct{}{}, under mu: it must never block (one signal per enqueue). */
inline signal(w) {
	assert(len(wch[w]) == 0);
	wch[w] ! 1;
	if
	:: handoff[w] -> printf("p%d   hands the lock off to p%d\n", _pid, w)
	:: else -> printf("p%d   signals p%d\n", _pid, w)
	fi
}

/* ---- lock.go, function by function ------------------------------------ */

/*
 * [lock.go: addWaiters] adds delta to the waiter count, clearing starving if
 * the queue is empty. Under mu. ho: see cas.
 */
inline addWaiters(delta, ho) {
	do
	:: RMW_BEGIN
		s = state;
		n = s + delta * waiterOne;
		assert(n >= 0);
		if
		:: head == NIL -> n = n & ~S
		:: else -> skip
		fi;
		cas(s, n, ho)
		RMW_END;
		if
		:: ok -> break
		:: else -> skip
		fi
	od
}

/* [lock.go: clearStarving] leaves hand-off mode. */
inline clearStarving() {
	do
	:: RMW_BEGIN
		s = state;
		if
		:: !isset(s, S) -> ok = true
		:: else -> cas(s, s & ~S, NONE)
		fi
		RMW_END;
		if
		:: ok -> break
		:: else -> skip
		fi
	od
}

/* [lock.go: tryAcquireSlow] sets res. */
inline tryAcquireSlow() {
	do
	:: RMW_BEGIN
		load();
		if
		:: isset(s, L) -> res = false; ok = true
		:: else -> cas(s, s | L, NONE); res = ok
		fi
		RMW_END;
		if
		:: ok -> break
		:: else -> skip
		fi
	od
}

/*
 * [lock.go: withdraw]: the parked waiter's timer fired or its context is
 * done. Sets res: whether it holds the lock.
 */
inline withdraw() {
	muLock();
	if
	:: queued[_pid] ->
		d_step { remove(_pid) };
		addWaiters(-1, NONE);
		muUnlock();
		res = false
	:: else ->
		muUnlock();
		/* signalled under mu before queued was cleared: already buffered */
		assert(len(wch[_pid]) == 1);
		wch[_pid] ? _;
		if
#if BROKEN == 3
		:: handoff[_pid] -> res = false   /* BROKEN 3 */
#else
		:: handoff[_pid] -> res = true
#endif
		:: else ->
			/* Plain wake-up: this goroutine owns woken. Last attempt. */
			do
			:: RMW_BEGIN
				load();
				assert(isset(s, W));              /* I3: nobody else cleared woken */
				if
				:: !isset(s, L) -> cas(s, (s | L) & ~W, NONE); res = ok
				:: else -> cas(s, s & ~W, NONE); res = false
				fi
				RMW_END;
				if
				:: ok -> break
				:: else -> skip
				fi
			od
		fi
	fi
}

/*
 * [lock.go: acquireSlow], the contended path of every blocking acquisition.
 * fire: the call's timer fires or its context is done at some moment of the
 * call, so the select's timeout case is enabled from the first park on (a Go
 * timer that has fired stays ready until received); !fire: timeout < 0 and
 * done == nil, or neither fires during the call. Sets res. Returns by
 * jumping to acq_done, so it is expanded only once per proctype.
 */
inline acquireSlow() {
	awoke = false;
	do
	:: /*
		 * Barge in / spin: `for i := 0; i <= spinTries; i++`, each attempt a
		 * Load and, if unlocked, a CAS. Go makes at least one attempt and
		 * stops after at most spinTries+1, or earlier when the lock is held
		 * and !canSpin ([lock.go: refreshCanSpin] maintains canSpin, which
		 * only decides how long to spin). The busy-wait loads between
		 * attempts have no effect and are left out. The model makes one
		 * attempt and then any number more: a superset of Go's behaviours.
		 */
		do
		:: RMW_BEGIN
			load();
			if
			:: isset(s, S) -> ok = true          /* break */
			:: !isset(s, S) && !isset(s, L) ->
				n = s | L;
				if
				:: awoke -> assert(isset(s, W)); n = n & ~W    /* I3 */
				:: else -> skip
				fi;
				cas(s, n, NONE)
			:: else -> ok = false; s = 0         /* held */
			fi
			RMW_END;
			if
			:: ok && isset(s, S) -> break
			:: ok && !isset(s, S) ->
				res = true; goto acq_done        /* [lock.go: stopTimer]: no effect here */
			:: else ->                           /* held, or the CAS failed */
				if
				:: break                         /* i == spinTries || !canSpin */
				:: skip                          /* busy-wait, next attempt */
				fi
			fi
		od;

		/* if w == nil { w = &waiter{...}; start = time.Now() }: waiter _pid */
		requeue = awoke;
		/* starving := awoke && time.Since(start) > starvationThreshold */
		if
		:: awoke -> if :: starving = true :: starving = false fi
		:: else -> starving = false
		fi;

		muLock();
		do
		:: RMW_BEGIN
			load();
			if
#if BROKEN == 1
			:: false -> skip                     /* BROKEN 1: no re-check */
#else
			:: !isset(s, L) -> n = s | L         /* I2: unlocked implies not starving */
#endif
			:: else ->
				n = s + waiterOne;
				if
				:: starving && isset(s, L) -> n = n | S
				:: else -> skip
				fi
			fi;
			if
			:: awoke -> assert(isset(s, W)); n = n & ~W      /* I3 */
			:: else -> skip
			fi;
			cas(s, n, NONE)
			RMW_END;
			if
			:: ok && isset(n, L) && !isset(s, L) ->
				muUnlock();
				res = true; goto acq_done
			:: ok && !(isset(n, L) && !isset(s, L)) -> break
			:: else -> skip
			fi
		od;
		atomic {
			awoke = false;
			handoff[_pid] = false;
			if
			:: requeue -> pushFront(_pid)
			:: else -> pushBack(_pid)
			fi;
			requeue = false; starving = false; s = 0; n = 0;
			LIVE(parked[_pid] = true);
			printf("p%d   parks (queue length %d)\n", _pid, qlen)
		};
		muUnlock();

		/* if timeout >= 0 && timer == nil { timer = time.NewTimer(timeout) } */
		if
		:: atomic { wch[_pid] ? _ -> LIVE(parked[_pid] = false) }   /* case <-w.ch */
		:: atomic { fire ->                                          /* case <-timerC, case <-done */
				printf("p%d   timer fires / context done\n", _pid);
				LIVE(parked[_pid] = false) };
			withdraw();
			goto acq_done
		fi;
		if
		:: handoff[_pid] ->
			/* stopTimer(timer); if time.Since(start) < starvationThreshold */
			if
			:: clearStarving()
			:: skip
			fi;
			res = true; goto acq_done
		:: else -> skip
		fi;
		awoke = true
	od;
acq_done:
	skip
}

/* [lock.go: handOff] passes the still locked lock to the queue head. Sets hres. */
inline handOff() {
	muLock();
	s = state;
	if
	:: !isset(s, S) ->
		muUnlock();
		hres = false
	:: else ->
		d_step {
			w = head;
			assert(w != NIL);                 /* non-nil by I2 */
			remove(w)
		};
#if BROKEN == 5
		/* BROKEN 5: the hand-off also clears the locked bit */
		do
		:: RMW_BEGIN
			s = state;
			n = (s - waiterOne) & ~L;
			if
			:: head == NIL -> n = n & ~S
			:: else -> skip
			fi;
			cas(s, n, w)
			RMW_END;
			if
			:: ok -> break
			:: else -> skip
			fi
		od;
#else
		addWaiters(-1, w);                    /* the hand-off's linearization point */
#endif
		atomic {
			handoff[w] = true;
			signal(w);
			w = NIL
		};
		muUnlock();
		hres = true
	fi
}

/* [lock.go: wakeOne] signals the queue head after the releaser set woken. */
inline wakeOne() {
	muLock();
	d_step {
		w = head;
		if
		:: w != NIL -> remove(w)
		:: else -> skip
		fi
	};
	if
	:: w == NIL ->
#if BROKEN != 2
		/* Every waiter withdrew since our CAS; give woken back. */
		do
		:: RMW_BEGIN
			s = state;
			assert(isset(s, W));              /* I3: the releaser owns woken */
			cas(s, s & ~W, NONE)
			RMW_END;
			if
			:: ok -> break
			:: else -> skip
			fi
		od;
#endif
		muUnlock()
	:: else ->
		addWaiters(-1, NONE);
		atomic { signal(w); w = NIL };
		muUnlock()
	fi
}

/* [lock.go: releaseSlow] sets res (true: nil, false: ErrNotLocked). */
inline releaseSlow() {
	do
	:: RMW_BEGIN
		d_step {
			s = state;
			/* if the lock is unlocked here, this Load is the linearization
			 * point of a failed Release: the abstract lock is free */
			LINASSERT(isset(s, L) || owner == NONE)
		};
		if
#if BROKEN == 4
		:: s == 0 -> ok = false                      /* BROKEN 4 */
#else
		:: !isset(s, L) -> ok = false
#endif
		:: else ->
			if
			:: isset(s, S) -> ok = false             /* handOff below, after the RMW */
			:: else ->
				wake = waiters(s) != 0 && !isset(s, W);
				n = s & ~L;
				if
				:: wake -> n = n | W
				:: else -> skip
				fi;
				cas(s, n, NONE)
			fi
		fi
		RMW_END;
		if
#if BROKEN == 4
		:: s == 0 ->
#else
		:: !isset(s, L) ->
#endif
			res = false; break                       /* return ErrNotLocked */
		:: else ->
			if
			:: isset(s, S) ->
				handOff();
				if
				:: hres -> res = true; break
				:: else -> skip                       /* continue */
				fi
			:: !isset(s, S) && ok ->
				if
				:: wake -> wakeOne()
				:: else -> skip
				fi;
				res = true; break
			:: else -> skip                           /* CAS failed: continue */
			fi
		fi
	od
}

/* ---- goroutines --------------------------------------------------------- */

/* An acquire call returns res. */
inline acquire_returns() {
	atomic {
		if
		:: res -> printf("p%d   returns true\n", _pid)
		:: else -> printf("p%d   returns false\n", _pid)
		fi;
		/* the waiter is no longer referenced by the lock (safe to reuse) */
		assert(!queued[_pid] && len(wch[_pid]) == 0);
		/* success iff the lock was assigned to this call; in particular a
		 * timed-out or cancelled acquirer never holds the lock afterwards */
		LINASSERT(res == got[_pid]);
		/* a failed acquisition saw the lock held during the call */
		assert(res || sawheld);
		/* mutual exclusion between callers: after a success, nobody else is
		 * between a successful acquire and the release of that acquisition.
		 * With OWNED, cs[p] runs from this return to p's Release call: the
		 * classic check, independent of the ghost owner. Otherwise another
		 * goroutine may already have released our acquisition. */
#if OWNED
		cs[_pid] = res;
#else
		cs[_pid] = res && owner == _pid;
#endif
		assert(!cs[_pid] || (true
			&& (_pid == 0 || !cs[0]) && (_pid == 1 || !cs[1])
#if N > 2
			&& (_pid == 2 || !cs[2])
#endif
#if N > 3
			&& (_pid == 3 || !cs[3])
#endif
#if N > 4
			&& (_pid == 4 || !cs[4])
#endif
#if N > 5
			&& (_pid == 5 || !cs[5])
#endif
			));
		LIVE(waiting[_pid] = false);
		got[_pid] = false; sawheld = false; fire = false; awoke = false;
		res = false; s = 0; n = 0; ok = false; op = 0
	}
}

/* A Release call returns res. */
inline release_returns() {
	atomic {
		if
		:: res -> printf("p%d   returns nil\n", _pid)
		:: else -> printf("p%d   returns ErrNotLocked\n", _pid)
		fi;
		/* nil iff this call ended an outstanding acquisition; ErrNotLocked
		 * leaves the state word as it was (this call wrote nothing) */
		LINASSERT(res == didrel);
		assert(res || !wrote);
		didrel = false; wrote = false; res = false; wake = false; hres = false;
		s = 0; n = 0; ok = false; op = 0
	}
}

active [N] proctype goroutine()
{
	byte op;             /* the call; RELEASE throughout a Release call */
#if OPS > 0
	byte ops;            /* calls chosen so far */
#endif
	short s, n;          /* a loaded state word; a CAS's new value */
	bool ok;             /* a CAS's result */
	bool res;            /* the call's result */
	bool awoke, requeue, starving;   /* acquireSlow's locals */
	bool fire;           /* the call's timer / context fires at some moment */
	bool wake, hres;     /* releaseSlow's wake; handOff's result */
	byte w = NIL;        /* handOff's and wakeOne's w */
	bool sawheld;        /* ghost: this acquire call saw the lock held */
	bool didrel, wrote;  /* ghost: this Release call released; wrote the state word */

	assert(_pid < N);
	do
	:: /* the next call */
		atomic {
		if
		:: cs[_pid] -> op = RELEASE;   /* the holder releases (not counted) */
#if OWNED
			cs[_pid] = false           /* the critical section ends at the call */
#else
			skip
#endif
#if OPS > 0
		:: !cs[_pid] && ops == OPS -> break
		:: !cs[_pid] && ops < OPS ->
			ops++;
#else
		:: !cs[_pid] ->
#endif
			if
			:: op = ACQUIRE
			:: op = ACQ_TIMEOUT
			:: op = ACQ_TIMEOUT0
			:: op = ACQ_CONTEXT
			:: op = TRY_ACQUIRE
#if !OWNED
			:: op = RELEASE    /* not the holder: ErrNotLocked, or ends another's acquisition */
#endif
			fi
		fi;
		TRACE_CALL()
		};

		if
		:: op == RELEASE ->
			/* [lock.go: Release] [lock.go: Unlock] */
			fastpath(L, 0);
			if
			:: ok -> res = true
			:: else ->
				/* [lock.go: unlockSlow] is releaseSlow, with a panic where
				 * Release returns ErrNotLocked */
				releaseSlow()
			fi;
			release_returns()

		:: else ->
			/*
			 * The call's timer fires, or its context is done, at some moment
			 * of the call, maybe before it (fire), or not during it (!fire).
			 * Calls that then behave alike are made the same call, so that
			 * equal behaviours reach equal states:
			 *   TryAcquire:  AcquireTimeout(d <= 0) (both: fast path, then
			 *     tryAcquireSlow)
			 *   AcquireTimeout(d > 0) or AcquireContext, !fire:  Acquire
			 *   AcquireContext, fire: done is already closed at the select
			 *     of acquireContextSlow (then tryAcquireSlow), or it closes
			 *     later (then it is AcquireTimeout(d > 0), fire)
			 */
			d_step {
				if
				:: op == ACQUIRE -> op = THEN_SLOW
				:: op == ACQ_TIMEOUT0 || op == TRY_ACQUIRE -> op = THEN_TRY
				:: op == ACQ_TIMEOUT -> op = THEN_SLOW; if :: fire = true :: fire = false fi
				:: op == ACQ_CONTEXT ->
					if
					:: op = THEN_SLOW; fire = false
					:: op = THEN_SLOW; fire = true
					:: op = THEN_TRY;  fire = true
					fi
				fi;
				LIVE(waiting[_pid] = (op == THEN_SLOW))
			};
			/* [lock.go: Acquire] [lock.go: Lock] [lock.go: TryAcquire]
			 * [lock.go: AcquireTimeout] [lock.go: AcquireContext] */
			fastpath(0, L);
			if
			:: ok -> res = true
			:: !ok && op == THEN_TRY ->
				/* TryAcquire; [lock.go: acquireTimeoutSlow] d <= 0;
				 * [lock.go: acquireContextSlow] select { case <-done: } */
				op = 0;
				tryAcquireSlow()
			:: !ok && op == THEN_SLOW ->
				/* [lock.go: acquireTimeoutSlow] d > 0;
				 * [lock.go: acquireContextSlow] select { default: };
				 * Acquire, Lock */
				op = 0;
				acquireSlow()
			fi;
			acquire_returns()
		fi
	od
}

#if LTL
/*
 * Progress (bounded OPS, weak fairness): goroutine 0 does not stay in a
 * blocking acquire forever: it gets the lock, or its timer or context fires.
 * fire is chosen when the call starts, so a waiter left parked on a free
 * lock is a counterexample even if it could time out: the run where its
 * timer does not fire.
 */
ltl progress { [] (waiting[0] -> <> !waiting[0]) }

/*
 * No lost wake-up (also with OPS=0, where goroutines run forever and
 * barging newcomers may overtake a waiter indefinitely): while goroutine 0
 * is parked and the lock is free, eventually goroutine 0 is unparked or the
 * lock is taken.
 */
ltl nolostwake { [] ((parked[0] && !locked) -> <> (!parked[0] || locked)) }
#endif
