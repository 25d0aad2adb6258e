#!/usr/bin/env python3
"""Self-test for lockdriver.py: python3 drivers/python/test_lockdriver.py"""

import os
import subprocess
import sys
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.path.join(HERE, "lockdriver.py")
TESTDATA = os.path.join(HERE, "testdata")
ALL_OPS = "acquire try_acquire acquire_timeout release"
LOCK_KINDS = ["Lock", "BoundedSemaphore", "Semaphore", "RLock"]

# PATIENT bounds what a test expects to happen (a driver's start-up, its
# exit). It only bounds a failure, so it is generous: a loaded machine can
# take seconds to start Python.
PATIENT = 60


def run(kind, script, timeout=PATIENT):
    p = subprocess.run([sys.executable, DRIVER, "--lock", kind], input=script,
                       capture_output=True, text=True, timeout=timeout)
    return p.returncode, p.stdout.splitlines(), p.stderr


class Driver:
    """Interactive session, one request at a time like the harness."""

    def __init__(self, kind):
        self.p = subprocess.Popen([sys.executable, DRIVER, "--lock", kind],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)
        self.hello = self.p.stdout.readline().rstrip("\n")

    def send(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()

    def recv(self):
        return self.p.stdout.readline().rstrip("\n")

    def close(self):
        self.p.stdin.close()
        rc = self.p.wait(timeout=PATIENT)
        self.p.stdout.close()
        return rc


class TestLockDriver(unittest.TestCase):
    SCRIPT = ("0 try_acquire\n0 try_acquire\n0 release\n0 release\n"
              "0 acquire_timeout 0.05\n0 acquire_timeout 0\n"
              "0 acquire_timeout -1\n0 release\n")

    def check(self, kind, hello, answers):
        rc, out, err = run(kind, self.SCRIPT)
        self.assertEqual(rc, 0, err)
        self.assertEqual(out, [hello] + ["0 " + a for a in answers])

    def test_lock(self):
        self.check("Lock", "lockcheck-driver 1 %s locked reset" % ALL_OPS,
                   ["true", "false", "ok", "error", "true", "false", "false", "ok"])

    def test_bounded_semaphore(self):
        self.check("BoundedSemaphore", "lockcheck-driver 1 %s reset" % ALL_OPS,
                   ["true", "false", "ok", "error", "true", "false", "false", "ok"])

    def test_semaphore(self):
        # The second release "succeeds" and leaves two permits.
        self.check("Semaphore", "lockcheck-driver 1 %s reset" % ALL_OPS,
                   ["true", "false", "ok", "ok", "true", "true", "false", "ok"])

    def test_locked(self):
        rc, out, _ = run("Lock", "0 locked\n0 acquire\n0 locked\n0 release\n0 locked\n")
        self.assertEqual(rc, 0)
        self.assertEqual(out[1:], ["0 false", "0 ok", "0 true", "0 ok", "0 false"])

    def test_blocked_acquire_is_answered_after_release(self):
        for kind in ("Lock", "BoundedSemaphore", "Semaphore"):
            with self.subTest(kind=kind):
                d = Driver(kind)
                d.send("0 acquire")
                self.assertEqual(d.recv(), "0 ok")
                d.send("1 acquire")
                # Not synchronisation: the answers below are the same
                # whether client 1 blocks before or after the release;
                # the pause only makes "before" the usual case.
                time.sleep(0.2)
                d.send("0 release")
                # Both answer; the order between clients is not defined
                # (client 1 may be woken and write before client 0 does).
                self.assertEqual(sorted([d.recv(), d.recv()]), ["0 ok", "1 ok"])
                d.send("1 release")
                self.assertEqual(d.recv(), "1 ok")
                self.assertEqual(d.close(), 0)

    def test_acquire_timeout_expires(self):
        d = Driver("Lock")
        d.send("0 acquire")
        self.assertEqual(d.recv(), "0 ok")
        t0 = time.monotonic()
        d.send("1 acquire_timeout 0.2")
        self.assertEqual(d.recv(), "1 false")
        self.assertGreaterEqual(time.monotonic() - t0, 0.19)
        self.assertEqual(d.close(), 0)

    def test_eof_with_blocked_client_exits_promptly(self):
        t0 = time.monotonic()
        rc, out, err = run("Lock", "0 acquire\n1 acquire\n2 acquire_timeout 60\n")
        self.assertEqual(rc, 0)
        self.assertEqual(out[1:], ["0 ok"])
        # Well under the 60s of the timed acquire, whatever the load.
        self.assertLess(time.monotonic() - t0, 30)
        self.assertIn("blocked", err)

    def test_rlock_is_owned_and_reentrant(self):
        d = Driver("RLock")
        for req, want in [("0 acquire", "0 ok"), ("1 release", "1 error"),
                          ("1 try_acquire", "1 false"), ("0 try_acquire", "0 true"),
                          ("0 release", "0 ok"), ("0 release", "0 ok"),
                          ("0 release", "0 error"), ("1 try_acquire", "1 true")]:
            d.send(req)
            self.assertEqual(d.recv(), want, req)
        self.assertEqual(d.close(), 0)

    def test_reset(self):
        # A reset waits for the requests before it, and gives a fresh lock.
        for kind in LOCK_KINDS:
            with self.subTest(kind=kind):
                # Requests of different clients run concurrently: each
                # client here is alone between two resets.
                rc, out, err = run(kind, "0 try_acquire\nreset 1\n1 try_acquire\n"
                                         "reset 2\n1 release\n")
                self.assertEqual(rc, 0, err)
                self.assertTrue(out[0].endswith(" reset"), out[0])
                release = "ok" if kind == "Semaphore" else "error"
                self.assertEqual(out[1:], ["0 true", "reset 1", "1 true",
                                           "reset 2", "1 " + release])

    def test_reset_keeps_client_threads(self):
        # An RLock held by client 0 before the reset is gone after it, and
        # client 0 (the same thread) owns the new lock.
        d = Driver("RLock")
        d.send("0 acquire")
        self.assertEqual(d.recv(), "0 ok")
        d.send("reset 1")
        self.assertEqual(d.recv(), "reset 1")
        for req, want in [("1 try_acquire", "1 true"), ("0 release", "0 error"),
                          ("1 release", "1 ok")]:
            d.send(req)
            self.assertEqual(d.recv(), want, req)
        self.assertEqual(d.close(), 0)

    def test_no_reset(self):
        p = subprocess.run([sys.executable, DRIVER, "--lock", "Lock", "--no-reset"],
                           input="0 try_acquire\nreset 1\n", capture_output=True,
                           text=True, timeout=10)
        self.assertEqual(p.returncode, 2)
        self.assertEqual(p.stdout.splitlines()[0],
                         "lockcheck-driver 1 %s locked" % ALL_OPS)
        self.assertIn("--no-reset", p.stderr)

    def test_reset_with_a_blocked_client_exits_2(self):
        d = Driver("Lock")
        d.send("0 acquire")
        self.assertEqual(d.recv(), "0 ok")
        d.send("1 acquire")
        d.send("reset 1")  # client 1 has no answer: the harness broke the protocol
        self.assertEqual(d.recv(), "")
        self.assertEqual(d.p.wait(timeout=30), 2)
        d.p.stdin.close()
        d.p.stdout.close()

    def test_malformed_input_exits_2(self):
        for script in ["reset\n", "reset x\n", "reset 1 2\n", "reset 01\n","0 frobnicate\n", "0\n", "\n", "x acquire\n", "007 acquire\n",
                       "0 acquire 1\n", "0 acquire_timeout\n",
                       "0 acquire_timeout nan\n", "0  acquire\n",
                       "0 try_acquire\n0 bogus\n"]:
            with self.subTest(script=script):
                rc, out, err = run("Lock", script)
                self.assertEqual(rc, 2)
                self.assertTrue(err.strip())
        rc, _, err = run("Semaphore", "0 locked\n")  # not advertised
        self.assertEqual(rc, 2)


class TestBrokenTestLocks(unittest.TestCase):
    """The broken test locks break the real-time promises of
    acquire(timeout=T), and nothing else."""

    def setUp(self):
        sys.path.insert(0, HERE)
        import lockdriver
        self.mod = lockdriver
        sys.path.remove(HERE)

    def test_hello(self):
        for kind in ("NoWaitTimeout", "UncountedWaiter"):
            with self.subTest(kind=kind):
                rc, out, err = run(kind, "0 try_acquire\n0 try_acquire\n0 release\n0 release\n")
                self.assertEqual(rc, 0, err)
                self.assertEqual(out, ["lockcheck-driver 1 %s locked reset" % ALL_OPS,
                                       "0 true", "0 false", "0 ok", "0 error"])

    def test_no_wait_timeout_gives_up_at_once(self):
        lock = self.mod.NoWaitTimeout()
        self.assertTrue(lock.acquire())
        t0 = time.monotonic()
        self.assertFalse(lock.acquire(timeout=30))
        self.assertLess(time.monotonic() - t0, 30)  # a correct lock waits 30 s
        lock.release()
        self.assertTrue(lock.acquire(timeout=30))  # a free lock is taken

    def waiting(self, lock, n):
        """Waits until n threads wait on lock's condition variable."""
        while True:
            with lock._cond:
                if len(lock._cond._waiters) == n:
                    return
            time.sleep(0.001)  # polls the state; no ordering relies on it

    def test_uncounted_waiter_misses_the_release(self):
        lock = self.mod.UncountedWaiter()
        self.assertTrue(lock.acquire())
        got = []
        t = threading.Thread(target=lambda: got.append(lock.acquire(timeout=60)))
        t.start()
        self.waiting(lock, 1)
        lock.release()
        with lock._cond:
            # The bug: the release notified nobody, the timed waiter still
            # waits on a free lock.
            self.assertEqual(len(lock._cond._waiters), 1)
            self.assertFalse(lock._held)
            lock._cond.notify_all()  # let it go
        t.join(30)
        self.assertEqual(got, [True])

    def test_uncounted_waiter_wakes_blocking_waiters(self):
        lock = self.mod.UncountedWaiter()
        self.assertTrue(lock.acquire())
        t = threading.Thread(target=lock.acquire)
        t.start()
        self.waiting(lock, 1)
        lock.release()  # counted: notified
        t.join(30)
        self.assertFalse(t.is_alive())
        self.assertTrue(lock.locked())


class TestMisbehavingDrivers(unittest.TestCase):
    def run_bad(self, name):
        return subprocess.run([sys.executable, os.path.join(TESTDATA, name)],
                              input="0 try_acquire\n1 release\n",
                              capture_output=True, text=True, timeout=PATIENT)

    def test_bad_hello(self):
        p = self.run_bad("bad_hello.py")
        self.assertFalse(p.stdout.startswith("lockcheck-driver 1 "))

    def test_garbage(self):
        out = self.run_bad("garbage.py").stdout.splitlines()
        self.assertTrue(out[0].startswith("lockcheck-driver 1 "))
        self.assertEqual(len(out), 3)

    def test_exits(self):
        p = self.run_bad("exits.py")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(len(p.stdout.splitlines()), 1)
        self.assertTrue(p.stderr)

    def test_silent(self):
        self.assertEqual(len(self.run_bad("silent.py").stdout.splitlines()), 1)

    def test_wrong_client(self):
        out = self.run_bad("wrong_client.py").stdout.splitlines()
        self.assertEqual(out[1:], ["1000 true", "1001 ok"])


if __name__ == "__main__":
    unittest.main()
