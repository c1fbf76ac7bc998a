package org.blocklayer.posix;

import java.util.concurrent.atomic.AtomicLong;

import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.internal.Libc;
import org.blocklayer.posix.internal.Syscall;

/**
 * An open file descriptor ({@link Posix#open}). {@link #close()} closes it exactly once, however often and from
 * however many threads it is called. Each system call pins the descriptor while it runs, so a close that comes
 * during a blocking pread waits for that pread to return before the number is given back to the kernel: a number
 * that another open could reuse is never read or written by mistake. After close every call fails with EBADF.
 */
public final class Fd implements AutoCloseable {
    /** Set in {@link #state} once close was asked for; the low bits count the calls in flight. */
    private static final long CLOSED = 1L << 62;

    private final int number;
    private final String path;
    private final AtomicLong state = new AtomicLong();

    Fd(int number, String path) {
        this.number = number;
        this.path = path;
    }

    /** The path it was opened with, for messages. */
    public String path() {
        return path;
    }

    public boolean isOpen() {
        return (state.get() & CLOSED) == 0;
    }

    /** The descriptor number; for tests and diagnostics only, it means nothing once closed. */
    int number() {
        return number;
    }

    /** Pins the descriptor for one call and returns its number; EBADF once closed. */
    int acquire(String call) throws PosixException {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                throw new PosixException(Errno.EBADF.value(),
                        call + " '" + path + "': " + PosixException.strerror(Errno.EBADF.value()) + " (closed)");
            }
            if (state.compareAndSet(s, s + 1)) {
                return number;
            }
        }
    }

    /** Ends what {@link #acquire} began; the last call out after a close closes the descriptor. */
    void release() {
        if (state.decrementAndGet() == CLOSED) {
            closeNow();
        }
    }

    /** close(2), once; never throws (Linux frees the descriptor even when close reports an error). */
    @Override
    public void close() {
        for (;;) {
            long s = state.get();
            if ((s & CLOSED) != 0) {
                return;
            }
            if (state.compareAndSet(s, s | CLOSED)) {
                if (s == 0) {
                    closeNow();
                }
                return;
            }
        }
    }

    private void closeNow() {
        try (Syscall call = new Syscall()) {
            Libc.close(call.capture(), number);
        }
    }

    @Override
    public String toString() {
        return "fd " + number + " ('" + path + "'" + (isOpen() ? ")" : ", closed)");
    }
}
