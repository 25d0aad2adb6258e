// lockcheck driver for Java locks: java drivers/java/LockDriver.java --lock NAME
//
// Speaks the lockcheck driver protocol, version 1, with reset, on stdin and
// stdout (see README.md next to this file). Java 17 or later, standard library
// only, one file: the source launcher runs it without a build step.
//
// Exit status: 0 on EOF of stdin; 2 on a protocol violation by the harness
// (a malformed line, an unknown or unadvertised op, a bad argument, a reset
// while a request is unanswered) or a bad command line; 3 on an unexpected
// internal error; 1 if stdout is gone.

import java.io.BufferedOutputStream;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.regex.Pattern;

public final class LockDriver {
    static final int PROTOCOL_VERSION = 1;

    // After EOF, wait this long with nothing changing before exiting (a
    // release just processed may still wake a blocked client).
    static final long EOF_SETTLE_MILLIS = 50;
    // After EOF, acquire_timeout requests with a timeout up to this are still
    // waited for; longer ones and plain acquires are abandoned.
    static final double EOF_WAIT_TIMEOUT_MAX = 1.0;
    // A reset comes only once every request was answered; a worker that wrote
    // its answer may not have finished its bookkeeping yet, so a reset waits
    // this long for every client to be idle before calling the harness broken.
    static final long RESET_SETTLE_MILLIS = 2000;

    static final Pattern CLIENT_RE = Pattern.compile("0|[1-9][0-9]{0,8}");
    static final Pattern TIMEOUT_RE = Pattern.compile("[+-]?([0-9]+(\\.[0-9]*)?|\\.[0-9]+)([eE][+-]?[0-9]+)?");

    /** The lock under test, as the protocol sees it. */
    interface TestLock {
        void acquire() throws InterruptedException;

        boolean tryAcquire();

        boolean acquireTimeout(long nanos) throws InterruptedException;

        /** Returns false if the lock reported the release as a misuse. */
        boolean release();

        boolean locked();
    }

    /** java.util.concurrent.locks.ReentrantLock: owned and reentrant. */
    static final class Reentrant implements TestLock {
        private final ReentrantLock l = new ReentrantLock();

        public void acquire() { l.lock(); }

        public boolean tryAcquire() { return l.tryLock(); }

        public boolean acquireTimeout(long nanos) throws InterruptedException {
            return l.tryLock(nanos, TimeUnit.NANOSECONDS);
        }

        public boolean release() {
            try {
                l.unlock();
                return true;
            } catch (IllegalMonitorStateException e) {
                return false; // not held by this thread: the lock is unchanged
            }
        }

        public boolean locked() { return l.isLocked(); }
    }

    /**
     * java.util.concurrent.Semaphore(1): unowned, and a release while no
     * permit is taken adds a second permit, so it is not a mutex.
     */
    static final class Sem implements TestLock {
        private final Semaphore s = new Semaphore(1);

        public void acquire() { s.acquireUninterruptibly(); }

        public boolean tryAcquire() { return s.tryAcquire(); }

        public boolean acquireTimeout(long nanos) throws InterruptedException {
            return s.tryAcquire(nanos, TimeUnit.NANOSECONDS);
        }

        public boolean release() {
            s.release();
            return true;
        }

        public boolean locked() { return s.availablePermits() <= 0; }
    }

    /**
     * A lock built on synchronized, wait and notify: unowned (any thread may
     * release it) and not reentrant; a release of an unlocked lock is an error.
     */
    static final class Monitor implements TestLock {
        private boolean held;

        public synchronized void acquire() throws InterruptedException {
            while (held) {
                wait();
            }
            held = true;
        }

        public synchronized boolean tryAcquire() {
            if (held) {
                return false;
            }
            held = true;
            return true;
        }

        // Object.wait rounds a timeout up to whole milliseconds, which would
        // make a timeout of a few microseconds last a millisecond: the last
        // millisecond is slept outside the monitor (parkNanos), then the lock
        // is checked again. A release meanwhile is seen at that check.
        public boolean acquireTimeout(long nanos) throws InterruptedException {
            long deadline = System.nanoTime() + nanos;
            for (;;) {
                long left;
                synchronized (this) {
                    if (!held) {
                        held = true;
                        return true;
                    }
                    left = deadline - System.nanoTime();
                    if (nanos <= 0 || left <= 0) {
                        return false;
                    }
                    if (left >= 1_000_000) {
                        wait(left / 1_000_000);
                        continue;
                    }
                }
                LockSupport.parkNanos(left);
            }
        }

        public synchronized boolean release() {
            if (!held) {
                return false;
            }
            held = false;
            notify();
            return true;
        }

        public synchronized boolean locked() { return held; }
    }

    /**
     * Deliberately broken: a check-then-set on an AtomicBoolean (get, then
     * set, not compareAndSet), so two clients can both see it free and both
     * take it.
     */
    static final class CheckThenSet implements TestLock {
        private final AtomicBoolean held = new AtomicBoolean();

        public void acquire() {
            while (!tryAcquire()) {
                Thread.onSpinWait();
                Thread.yield();
            }
        }

        public boolean tryAcquire() {
            if (held.get()) {
                return false;
            }
            Thread.yield(); // widens the window between the check and the set
            held.set(true);
            return true;
        }

        public boolean acquireTimeout(long nanos) {
            long deadline = System.nanoTime() + nanos;
            while (!tryAcquire()) {
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                Thread.yield();
            }
            return true;
        }

        public boolean release() { return held.getAndSet(false); }

        public boolean locked() { return held.get(); }
    }

    /**
     * Deliberately broken: a monitor lock whose acquire checks with "if"
     * instead of "while" and whose release wakes every waiter, so all of
     * them take the lock.
     */
    static final class IfNotWhile implements TestLock {
        private boolean held;

        public synchronized void acquire() throws InterruptedException {
            if (held) {
                wait();
            }
            held = true;
        }

        public synchronized boolean tryAcquire() {
            if (held) {
                return false;
            }
            held = true;
            return true;
        }

        public synchronized boolean acquireTimeout(long nanos) throws InterruptedException {
            if (held && nanos > 0) {
                TimeUnit.NANOSECONDS.timedWait(this, nanos);
            }
            if (held) {
                return false;
            }
            held = true;
            return true;
        }

        public synchronized boolean release() {
            if (!held) {
                return false;
            }
            held = false;
            notifyAll();
            return true;
        }

        public synchronized boolean locked() { return held; }
    }

    /** The locks of --lock, in the order of the usage message. */
    static final Map<String, Supplier<TestLock>> LOCKS = new LinkedHashMap<>();

    static {
        LOCKS.put("ReentrantLock", Reentrant::new);
        LOCKS.put("Semaphore", Sem::new);
        LOCKS.put("Monitor", Monitor::new);
        LOCKS.put("CheckThenSet", CheckThenSet::new);
        LOCKS.put("IfNotWhile", IfNotWhile::new);
    }

    static final String OPS = "acquire try_acquire acquire_timeout release locked";

    /** A request for a client's worker. */
    record Request(String op, double timeout) {}

    final String kind;
    final boolean offerReset;
    final Supplier<TestLock> make;
    volatile TestLock lock;
    final OutputStream out = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 12);
    final Map<Integer, Worker> workers = new HashMap<>(); // read thread only

    // Bookkeeping for reset and EOF, guarded by this.
    final Map<Integer, Integer> pending = new HashMap<>(); // requests read, not yet answered
    final TreeSet<Integer> blocked = new TreeSet<>(); // clients in a possibly long acquire
    long gen; // bumped on every change of the above

    LockDriver(String kind, boolean offerReset) {
        this.kind = kind;
        this.offerReset = offerReset;
        this.make = LOCKS.get(kind);
        this.lock = make.get();
    }

    static void log(String msg) {
        System.err.println("lockdriver: " + msg);
        System.err.flush();
    }

    /** Writes a whole line and flushes it: one write per answer. */
    void writeLine(String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.US_ASCII);
        synchronized (out) {
            try {
                out.write(b);
                out.flush();
            } catch (IOException e) {
                log("cannot write to stdout (" + e + "); exiting");
                Runtime.getRuntime().halt(1);
            }
        }
    }

    void die(int code, String msg) {
        log(msg);
        synchronized (out) { // do not cut another thread's answer in half
            try {
                out.flush();
            } catch (IOException e) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(code);
        }
    }

    /** One client's thread: it runs the client's requests in order. */
    final class Worker extends Thread {
        final int client;
        final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();

        Worker(int client) {
            super("client-" + client);
            this.client = client;
            setDaemon(true);
        }

        @Override
        public void run() {
            for (;;) {
                Request r;
                try {
                    r = queue.take();
                } catch (InterruptedException e) {
                    return;
                }
                String result;
                try {
                    result = perform(r);
                } catch (Throwable t) {
                    StringWriter sw = new StringWriter();
                    t.printStackTrace(new PrintWriter(sw));
                    die(3, "internal error on client " + client + " op " + r.op() + ":\n" + sw);
                    return;
                }
                writeLine(client + " " + result);
                synchronized (LockDriver.this) {
                    pending.merge(client, -1, Integer::sum);
                    gen++;
                    LockDriver.this.notifyAll();
                }
            }
        }

        String perform(Request r) throws InterruptedException {
            TestLock l = lock;
            switch (r.op()) {
                case "acquire":
                    blocking(() -> {
                        l.acquire();
                        return true;
                    });
                    return "ok";
                case "try_acquire":
                    return Boolean.toString(l.tryAcquire());
                case "acquire_timeout": {
                    double t = r.timeout();
                    if (t <= 0) {
                        return Boolean.toString(l.tryAcquire());
                    }
                    long nanos = (long) (t * 1e9); // saturates at Long.MAX_VALUE
                    if (t <= EOF_WAIT_TIMEOUT_MAX) {
                        return Boolean.toString(l.acquireTimeout(nanos));
                    }
                    return Boolean.toString(blocking(() -> l.acquireTimeout(nanos)));
                }
                case "release":
                    return l.release() ? "ok" : "error";
                case "locked":
                    return Boolean.toString(l.locked());
                default:
                    throw new IllegalStateException("unknown op " + r.op());
            }
        }

        /** Runs a possibly long acquire, marking the client as one EOF may abandon. */
        boolean blocking(Acquisition a) throws InterruptedException {
            synchronized (LockDriver.this) {
                blocked.add(client);
                gen++;
                LockDriver.this.notifyAll();
            }
            try {
                return a.run();
            } finally {
                synchronized (LockDriver.this) {
                    blocked.remove(client);
                    gen++;
                    LockDriver.this.notifyAll();
                }
            }
        }
    }

    interface Acquisition {
        boolean run() throws InterruptedException;
    }

    void dispatch(int client, Request r) {
        Worker w = workers.get(client);
        if (w == null) {
            w = new Worker(client);
            workers.put(client, w);
            w.start();
        }
        synchronized (this) {
            pending.merge(client, 1, Integer::sum);
            gen++;
        }
        w.queue.add(r);
    }

    /**
     * Replaces the lock with a fresh one and answers "reset N". The harness
     * resets only when every request was answered, so every worker is idle
     * (or about to be): the workers are kept, and run the next history's
     * requests on the new lock.
     */
    void reset(String n, int lineno) throws InterruptedException {
        synchronized (this) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RESET_SETTLE_MILLIS);
            for (;;) {
                List<Integer> busy = new ArrayList<>();
                for (Map.Entry<Integer, Integer> e : pending.entrySet()) {
                    if (e.getValue() != 0) {
                        busy.add(e.getKey());
                    }
                }
                if (busy.isEmpty()) {
                    break;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    busy.sort(null);
                    die(2, "line " + lineno + ": reset " + n + " while client(s) "
                            + join(busy) + " have requests outstanding");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            lock = make.get();
        }
        writeLine("reset " + n);
    }

    static String join(Iterable<Integer> xs) {
        StringBuilder sb = new StringBuilder();
        for (Integer x : xs) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append(x);
        }
        return sb.toString();
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) > 0x7e || s.charAt(i) < 0x20) {
                return false;
            }
        }
        return true;
    }

    /** Parses and runs one request line, or exits with status 2. */
    void handle(String line, int lineno) throws InterruptedException {
        if (!isAscii(line)) {
            die(2, "line " + lineno + ": not printable ASCII: " + line);
        }
        String[] f = line.split(" ", -1);
        for (String w : f) {
            if (w.isEmpty()) {
                die(2, "line " + lineno + ": malformed request '" + line + "' (want 'CLIENT OP [TIMEOUT_SECONDS]')");
            }
        }
        if (f.length < 2 || f.length > 3) {
            die(2, "line " + lineno + ": malformed request '" + line + "' (want 'CLIENT OP [TIMEOUT_SECONDS]')");
        }
        if (f[0].equals("reset")) {
            if (!offerReset) {
                die(2, "line " + lineno + ": reset, which --no-reset does not offer");
            }
            if (f.length != 2 || !CLIENT_RE.matcher(f[1]).matches()) {
                die(2, "line " + lineno + ": malformed reset '" + line + "' (want 'reset N')");
            }
            reset(f[1], lineno);
            return;
        }
        if (!CLIENT_RE.matcher(f[0]).matches()) {
            die(2, "line " + lineno + ": bad client id '" + f[0] + "' in '" + line + "'");
        }
        String op = f[1];
        if (!(" " + OPS + " ").contains(" " + op + " ")) {
            die(2, "line " + lineno + ": unknown op '" + op + "' (supported: " + OPS + ")");
        }
        double timeout = 0;
        if (op.equals("acquire_timeout")) {
            if (f.length != 3) {
                die(2, "line " + lineno + ": acquire_timeout needs TIMEOUT_SECONDS: '" + line + "'");
            }
            if (!TIMEOUT_RE.matcher(f[2]).matches()) {
                die(2, "line " + lineno + ": bad timeout '" + f[2] + "'");
            }
            timeout = Double.parseDouble(f[2]); // may be Infinity for 1e999: fine
        } else if (f.length != 2) {
            die(2, "line " + lineno + ": op " + op + " takes no argument: '" + line + "'");
        }
        dispatch(Integer.parseInt(f[0]), new Request(op, timeout));
    }

    /**
     * EOF: answers what can still be answered, then exits 0. Clients blocked
     * in acquire (or in acquire_timeout over EOF_WAIT_TIMEOUT_MAX) are
     * abandoned: their daemon threads die with the process.
     */
    void drainAndExit() throws InterruptedException {
        TreeSet<Integer> stuck;
        synchronized (this) {
            for (;;) {
                while (!quiescent()) {
                    wait();
                }
                long g = gen;
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(EOF_SETTLE_MILLIS);
                long left;
                while (gen == g && (left = deadline - System.nanoTime()) > 0) {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                if (gen == g) {
                    break;
                }
            }
            stuck = new TreeSet<>(blocked);
        }
        if (!stuck.isEmpty()) {
            log("EOF while client(s) " + join(stuck) + " blocked in acquire; exiting");
        }
        synchronized (out) {
            try {
                out.flush();
            } catch (IOException e) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(0);
        }
    }

    /** Every client is idle or in a blocking acquire; this is held. */
    boolean quiescent() {
        for (Map.Entry<Integer, Integer> e : pending.entrySet()) {
            if (e.getValue() != 0 && !blocked.contains(e.getKey())) {
                return false;
            }
        }
        return true;
    }

    void run() throws IOException, InterruptedException {
        writeLine("lockcheck-driver " + PROTOCOL_VERSION + " " + OPS + (offerReset ? " reset" : ""));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII), 1 << 12);
        int lineno = 0;
        for (String line; (line = in.readLine()) != null;) {
            lineno++;
            handle(line, lineno);
        }
        drainAndExit();
    }

    static final String USAGE = "usage: java LockDriver.java --lock NAME [--no-reset]\n"
            + "  NAME: one of " + String.join(", ", LOCKS.keySet()) + "\n"
            + "  (CheckThenSet and IfNotWhile are deliberately broken, for testing)\n"
            + "  --no-reset: do not offer reset (the harness then starts a process per history)";

    public static void main(String[] args) {
        String kind = null;
        boolean offerReset = true;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--no-reset")) {
                offerReset = false;
            } else if (args[i].equals("--lock") && i + 1 < args.length) {
                kind = args[++i];
            } else if (args[i].startsWith("--lock=")) {
                kind = args[i].substring("--lock=".length());
            } else if (args[i].equals("-h") || args[i].equals("--help")) {
                System.out.println(USAGE);
                return;
            } else {
                System.err.println("lockdriver: unexpected argument '" + args[i] + "'\n" + USAGE);
                System.exit(2);
            }
        }
        if (kind == null || !LOCKS.containsKey(kind)) {
            System.err.println("lockdriver: " + (kind == null ? "no --lock given" : "unknown lock '" + kind + "'")
                    + "\n" + USAGE);
            System.exit(2);
        }
        try {
            new LockDriver(kind, offerReset).run();
        } catch (Throwable t) {
            StringWriter sw = new StringWriter();
            t.printStackTrace(new PrintWriter(sw));
            log("internal error:\n" + sw);
            Runtime.getRuntime().halt(3);
        }
    }
}
