package org.blocklayer.shell.internal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Progress for long operations: silent for the first second, then one line a second, so short commands stay quiet
 * and a script's standard output stays clean.
 *
 * <p>The lines go to the process's own standard error ({@link #terminal()}), not to the command's
 * {@code System.err}: Gogo hands a command a stream that its interactive shell shows only once the command has
 * returned, and progress that arrives with the result is no progress.
 */
final class Progress {
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String what;
    private final long total;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long lastReport = start;
    private boolean reported;

    Progress(String what, long total, PrintStream out) {
        this.what = what;
        this.total = total;
        this.out = out;
    }

    /** File descriptor 2 itself, unbuffered past each line. */
    static PrintStream terminal() {
        return new PrintStream(new FileOutputStream(FileDescriptor.err), true);
    }

    void update(long done) {
        long now = System.nanoTime();
        if (now - start < QUIET_NANOS || now - lastReport < QUIET_NANOS) {
            return;
        }
        lastReport = now;
        report(done, now);
    }

    /** The last line, 100%, once a command that showed progress is done. */
    void finish(long done) {
        if (reported) {
            report(done, System.nanoTime());
        }
    }

    private void report(long done, long now) {
        reported = true;
        double seconds = (now - start) / 1e9;
        out.printf("%s: %d of %d bytes (%d%%), %.1f MiB/s%n", what, done, total, total == 0 ? 100 : done * 100 / total,
                done / seconds / (1 << 20));
        out.flush();
    }

    long elapsedNanos() {
        return System.nanoTime() - start;
    }
}
