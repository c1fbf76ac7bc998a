package org.blocklayer.shell.internal;

import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

/**
 * Progress for long operations: silent for the first second, then one line a second on the session's error stream,
 * so short commands stay quiet and a script's standard output stays clean.
 */
final class Progress {
    private static final long QUIET_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final String what;
    private final long total;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private long lastReport = start;

    Progress(String what, long total, PrintStream out) {
        this.what = what;
        this.total = total;
        this.out = out;
    }

    void update(long done) {
        long now = System.nanoTime();
        if (now - start < QUIET_NANOS || now - lastReport < QUIET_NANOS) {
            return;
        }
        lastReport = now;
        double seconds = (now - start) / 1e9;
        out.printf("%s: %d of %d bytes (%d%%), %.1f MiB/s%n", what, done, total, total == 0 ? 100 : done * 100 / total,
                done / seconds / (1 << 20));
    }

    long elapsedNanos() {
        return System.nanoTime() - start;
    }
}
