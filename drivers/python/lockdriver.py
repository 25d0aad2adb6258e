#!/usr/bin/env python3
"""lockcheck driver for CPython's threading locks.

Speaks the lockcheck driver protocol, version 1, with reset, on stdin/stdout
(see README.md next to this file).  Python 3.11+, standard library only.

    lockdriver.py [--lock {Lock,BoundedSemaphore,Semaphore,RLock,NoWaitTimeout,UncountedWaiter}] [--no-reset]

Exit status: 0 on EOF of stdin, 2 on a protocol violation by the harness
(malformed line, unknown or unadvertised op, bad arguments), 3 on an
unexpected internal error, 1 if stdout is gone.
"""

import argparse
import math
import os
import queue
import re
import sys
import threading
import time
import traceback

PROTOCOL_VERSION = 1


# ---- broken locks, for testing the harness -----------------------------
#
# Each keeps threading.Lock's interface and has one bug in its timed
# acquire that linearizability cannot see: the harness checks the real-time
# promises of acquire(timeout=T) separately.


class NoWaitTimeout:
    """A lock whose timed acquire never waits: acquire(timeout=T) tries once
    and gives up at once, as a wrapper does that maps a timed acquire onto
    a try.  Broken: a timed acquire waits its timeout before it gives up."""

    def __init__(self):
        self._lock = threading.Lock()

    def acquire(self, blocking=True, timeout=-1):
        if blocking and timeout >= 0:
            return self._lock.acquire(blocking=False)  # the bug: ignores timeout
        return self._lock.acquire(blocking, timeout)

    def release(self):
        self._lock.release()

    def locked(self):
        return self._lock.locked()


class UncountedWaiter:
    """A lock built on a Condition whose release notifies only when a waiter
    is counted; acquire() counts itself, acquire(timeout=T) forgets to.
    Broken: a timed waiter is not woken by a release, sits out its whole
    timeout on a free lock, and then fails."""

    def __init__(self):
        self._cond = threading.Condition(threading.Lock())
        self._held = False
        self._waiters = 0  # waiters a release must notify

    def acquire(self, blocking=True, timeout=-1):
        with self._cond:
            if not self._held:
                self._held = True
                return True
            if not blocking:
                return False
            if timeout < 0:
                self._waiters += 1
                while self._held:
                    self._cond.wait()
                self._waiters -= 1
                self._held = True
                return True
            # The bug: a timed waiter does not count itself in _waiters.
            deadline = time.monotonic() + timeout
            while self._held:
                left = deadline - time.monotonic()
                if left <= 0 or not self._cond.wait(left):
                    return False
            self._held = True
            return True

    def release(self):
        with self._cond:
            if not self._held:
                raise RuntimeError("release unlocked lock")
            self._held = False
            if self._waiters:
                self._cond.notify()

    def locked(self):
        with self._cond:
            return self._held


LOCK_KINDS = {
    "Lock": lambda: threading.Lock(),
    "BoundedSemaphore": lambda: threading.BoundedSemaphore(1),
    "Semaphore": lambda: threading.Semaphore(1),
    "RLock": lambda: threading.RLock(),
    # Broken locks, for testing the harness (see above).
    "NoWaitTimeout": NoWaitTimeout,
    "UncountedWaiter": UncountedWaiter,
}

# A client id is a non-negative integer in canonical decimal form; we answer
# with the same token, so "007" (which would be echoed as "7") is rejected.
CLIENT_RE = re.compile(r"(0|[1-9][0-9]{0,8})\Z")
# A plain decimal number; excludes things float() accepts such as "nan",
# "inf", "1_000" and surrounding whitespace.
TIMEOUT_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\Z")

# Grace period after EOF: once every outstanding request is either answered
# or blocked in an acquire, wait this long for anything to change (e.g. a
# blocked client being woken by a release that was just processed) before
# exiting.
EOF_SETTLE_SECONDS = 0.05
# After EOF we still wait for acquire_timeout requests with a timeout up to
# this many seconds (so `printf '0 acquire\n1 acquire_timeout 0.1\n' | ...`
# prints "1 false"); longer ones and plain acquires are abandoned.
EOF_WAIT_TIMEOUT_MAX = 1.0
# A reset comes only once every request was answered; a worker that wrote
# its answer may not have finished its bookkeeping yet, so a reset waits
# this long for every client to be idle before calling the harness broken.
RESET_SETTLE_SECONDS = 2.0


def log(msg):
    try:
        sys.stderr.write("lockdriver: %s\n" % msg)
        sys.stderr.flush()
    except Exception:
        pass


class Driver:
    def __init__(self, kind, offer_reset=True):
        self.kind = kind
        self.offer_reset = offer_reset
        self.lock = LOCK_KINDS[kind]()
        self.ops = {
            "acquire": self.op_acquire,
            "try_acquire": self.op_try_acquire,
            "acquire_timeout": self.op_acquire_timeout,
            "release": self.op_release,
        }
        # Semaphore/BoundedSemaphore (and RLock before 3.14) have no locked().
        if hasattr(self.lock, "locked"):
            self.ops["locked"] = self.op_locked

        self.out = sys.stdout.buffer
        self.out_lock = threading.Lock()  # one writer at a time, whole lines
        self.workers = {}  # client id -> queue.SimpleQueue

        # Bookkeeping used only to drain answers cleanly at EOF.
        self.cond = threading.Condition()
        self.pending = {}  # client -> requests read but not yet answered
        self.blocked = set()  # clients inside a potentially-blocking acquire
        self.gen = 0  # bumped on every change of the above

    # ---- output -------------------------------------------------------

    def write_line(self, line):
        data = (line + "\n").encode("ascii")
        with self.out_lock:
            try:
                self.out.write(data)
                self.out.flush()
            except (BrokenPipeError, OSError) as e:
                log("cannot write to stdout (%s); exiting" % e)
                os._exit(1)

    def die(self, code, msg):
        log(msg)
        # Don't cut another thread's answer in half.
        self.out_lock.acquire(timeout=1.0)
        try:
            self.out.flush()
        except Exception:
            pass
        os._exit(code)

    # ---- operations (run on the client's worker thread) ---------------

    def _blocking(self, fn, *args, **kwargs):
        """Runs a potentially long-blocking acquire, marking this worker as
        one that EOF handling may abandon."""
        me = threading.current_thread().lockcheck_client
        with self.cond:
            self.blocked.add(me)
            self.gen += 1
            self.cond.notify_all()
        try:
            return fn(*args, **kwargs)
        finally:
            with self.cond:
                self.blocked.discard(me)
                self.gen += 1
                self.cond.notify_all()

    def op_acquire(self, _timeout):
        self._blocking(self.lock.acquire)
        return "ok"

    def op_try_acquire(self, _timeout):
        return "true" if self.lock.acquire(blocking=False) else "false"

    def op_acquire_timeout(self, timeout):
        if timeout <= 0:
            # Python rejects timeout with blocking=False and negative
            # timeouts other than -1: a non-positive timeout is a try.
            got = self.lock.acquire(blocking=False)
        elif timeout > threading.TIMEOUT_MAX:
            # Too large for the C layer (OverflowError): effectively forever.
            got = self._blocking(self.lock.acquire)
        elif timeout <= EOF_WAIT_TIMEOUT_MAX:
            got = self.lock.acquire(timeout=timeout)
        else:
            got = self._blocking(self.lock.acquire, timeout=timeout)
        return "true" if got else "false"

    def op_release(self, _timeout):
        try:
            self.lock.release()
        except RuntimeError:
            # Lock: "release unlocked lock"; RLock: "cannot release
            # un-acquired lock" (also raised when another thread owns it).
            return "error"
        except ValueError:
            # BoundedSemaphore: "Semaphore released too many times".
            return "error"
        # Semaphore: releasing an unheld semaphore silently adds a permit.
        return "ok"

    def op_locked(self, _timeout):
        return "true" if self.lock.locked() else "false"

    # ---- threads ------------------------------------------------------

    def worker(self, client, q):
        while True:
            op, timeout = q.get()
            try:
                result = self.ops[op](timeout)
            except BaseException:
                self.die(3, "internal error on client %d op %s:\n%s"
                         % (client, op, traceback.format_exc()))
            self.write_line("%d %s" % (client, result))
            with self.cond:
                self.pending[client] -= 1
                self.gen += 1
                self.cond.notify_all()

    def dispatch(self, client, op, timeout):
        q = self.workers.get(client)
        if q is None:
            q = queue.SimpleQueue()
            self.workers[client] = q
            t = threading.Thread(target=self.worker, args=(client, q),
                                 name="client-%d" % client, daemon=True)
            t.lockcheck_client = client
            with self.cond:
                self.pending[client] = 0
            t.start()
        with self.cond:
            self.pending[client] += 1
            self.gen += 1
        q.put((op, timeout))

    def reset(self, n, lineno):
        """Replaces the lock with a fresh one and answers "reset N".

        The harness resets only when every request was answered, so every
        worker is idle (or about to be, its answer written): the workers
        are kept, and run the next history's requests on the new lock."""
        with self.cond:
            if not self.cond.wait_for(
                    lambda: all(k == 0 for k in self.pending.values()),
                    timeout=RESET_SETTLE_SECONDS):
                busy = sorted(c for c, k in self.pending.items() if k)
                self.die(2, "line %d: reset %s while client(s) %s have requests "
                            "outstanding" % (lineno, n, " ".join(map(str, busy))))
            self.lock = LOCK_KINDS[self.kind]()
        self.write_line("reset %s" % n)

    def parse(self, raw, lineno):
        """Returns (client, op, timeout) or exits with status 2; op is
        "reset" for a reset, whose number is returned as the client."""
        try:
            line = raw.decode("ascii")
        except UnicodeDecodeError:
            self.die(2, "line %d: not ASCII: %r" % (lineno, raw))
        if line.endswith("\n"):
            line = line[:-1]
        if line.endswith("\r"):
            line = line[:-1]
        fields = line.split(" ")
        if len(fields) not in (2, 3) or any(f == "" for f in fields):
            self.die(2, "line %d: malformed request %r "
                        "(want 'CLIENT OP [TIMEOUT_SECONDS]')" % (lineno, line))
        client_s, op = fields[0], fields[1]
        if client_s == "reset":
            if len(fields) != 2 or not CLIENT_RE.match(op):
                self.die(2, "line %d: malformed reset %r (want 'reset N')"
                         % (lineno, line))
            return op, "reset", None
        if not CLIENT_RE.match(client_s):
            self.die(2, "line %d: bad client id %r in %r" % (lineno, client_s, line))
        if op not in self.ops:
            self.die(2, "line %d: unknown or unsupported op %r for --lock %s "
                        "(supported: %s)"
                     % (lineno, op, self.kind, " ".join(self.ops)))
        timeout = None
        if op == "acquire_timeout":
            if len(fields) != 3:
                self.die(2, "line %d: acquire_timeout needs TIMEOUT_SECONDS: %r"
                         % (lineno, line))
            if not TIMEOUT_RE.match(fields[2]):
                self.die(2, "line %d: bad timeout %r" % (lineno, fields[2]))
            timeout = float(fields[2])  # may be inf for e.g. 1e999: fine
            if math.isnan(timeout):
                self.die(2, "line %d: bad timeout %r" % (lineno, fields[2]))
        elif len(fields) != 2:
            self.die(2, "line %d: op %s takes no argument: %r" % (lineno, op, line))
        return int(client_s), op, timeout

    def drain_and_exit(self):
        """EOF: answer whatever can still be answered, then exit 0.

        Requests already read are finished; clients blocked in acquire (or
        in acquire_timeout with a timeout over EOF_WAIT_TIMEOUT_MAX) are
        abandoned: their daemon threads die with the process."""
        def quiescent():
            # Every client is idle or stuck in a blocking acquire (requests
            # a misbehaving harness queued behind that are abandoned too).
            return all(n == 0 or c in self.blocked
                       for c, n in self.pending.items())

        with self.cond:
            while True:
                self.cond.wait_for(quiescent)
                g = self.gen
                self.cond.wait_for(lambda: self.gen != g,
                                   timeout=EOF_SETTLE_SECONDS)
                if self.gen == g:
                    break
            stuck = sorted(self.blocked)
        if stuck:
            log("EOF while client(s) %s blocked in acquire; exiting"
                % " ".join(map(str, stuck)))
        self.out_lock.acquire(timeout=1.0)
        try:
            self.out.flush()
        except Exception:
            pass
        os._exit(0)

    def run(self):
        self.write_line("lockcheck-driver %d %s%s"
                        % (PROTOCOL_VERSION, " ".join(self.ops),
                           " reset" if self.offer_reset else ""))
        stdin = sys.stdin.buffer
        lineno = 0
        while True:
            raw = stdin.readline()
            if not raw:
                break
            lineno += 1
            client, op, timeout = self.parse(raw, lineno)
            if op == "reset":
                if not self.offer_reset:
                    self.die(2, "line %d: reset, which --no-reset does not offer"
                             % lineno)
                self.reset(client, lineno)
                continue
            self.dispatch(client, op, timeout)
        self.drain_and_exit()


def main(argv=None):
    p = argparse.ArgumentParser(
        description="lockcheck driver (protocol v%d) for CPython threading locks"
                    % PROTOCOL_VERSION)
    p.add_argument("--lock", choices=list(LOCK_KINDS), default="Lock",
                   help="lock implementation to drive (default: Lock)")
    p.add_argument("--no-reset", action="store_true",
                   help="do not offer reset: the harness then starts a "
                        "process for every history")
    args = p.parse_args(argv)
    try:
        Driver(args.lock, offer_reset=not args.no_reset).run()
    except SystemExit:
        raise
    except BaseException:
        log("internal error:\n%s" % traceback.format_exc())
        os._exit(3)


if __name__ == "__main__":
    main()
