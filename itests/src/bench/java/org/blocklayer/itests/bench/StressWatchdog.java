package org.blocklayer.itests.bench;

import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Fails a stress run that hangs: when no operation has completed for the given time, it prints every thread's
 * stack ({@code Thread.getAllStackTraces}) to stderr, lets the run say its last word, and halts the JVM with exit
 * status 1 (halt, not exit: a hung thread may hold what a shutdown hook would need).
 */
final class StressWatchdog {
    private final AtomicLong lastProgress;
    private final long hangNanos;
    private final LongConsumer lastWord;
    private Thread thread;

    /**
     * @param lastProgress the {@code System.nanoTime()} of the last completed operation, kept by the run
     * @param lastWord     prints the run's outcome, given how many seconds nothing happened; then the JVM halts
     */
    StressWatchdog(AtomicLong lastProgress, long hangNanos, LongConsumer lastWord) {
        this.lastProgress = lastProgress;
        this.hangNanos = hangNanos;
        this.lastWord = lastWord;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("stress-watchdog").start(this::watch);
    }

    void stop() {
        thread.interrupt();
    }

    private void watch() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            long idle = System.nanoTime() - lastProgress.get();
            if (idle > hangNanos) {
                long seconds = TimeUnit.NANOSECONDS.toSeconds(idle);
                System.err.println("stress: no operation completed for " + seconds + " s; thread dump:");
                dumpThreads();
                try {
                    lastWord.accept(seconds);
                } finally {
                    System.out.flush();
                    System.err.flush();
                    Runtime.getRuntime().halt(1);
                }
            }
        }
    }

    private static void dumpThreads() {
        Thread.getAllStackTraces().entrySet().stream()
                .sorted(Comparator.comparing(e -> e.getKey().getName()))
                .forEach(e -> {
                    Thread t = e.getKey();
                    System.err.println("\"" + t.getName() + "\" " + t.getState() + (t.isDaemon() ? " daemon" : ""));
                    for (StackTraceElement frame : e.getValue()) {
                        System.err.println("    at " + frame);
                    }
                });
    }
}
