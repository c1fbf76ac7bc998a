package org.blocklayer.itests.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.core.internal.coroutine.Scheduler;

/**
 * Read (or write) load: QD coroutines in the main loop's context, each issuing reads of a BlockBackend in a loop
 * (inline in the coroutine, as {@code blk_co_preadv}); sequential (shared offset counter) or random. Returns IOPS over
 * the measured window after a warmup.
 */
final class ReadLoad {
    private ReadLoad() {}

    static double run(Scheduler s, BlockBackend blk, int bs, int qd, boolean seq, double warmup, double seconds)
            throws Exception {
        return run(s, blk, bs, qd, seq, false, warmup, seconds);
    }

    /** The same load with writes instead of reads when {@code write} (the buffer's bytes, zeroes). */
    static double run(Scheduler s, BlockBackend blk, int bs, int qd, boolean seq, boolean write, double warmup,
            double seconds) throws Exception {
        long len = blk.getLength();
        long blocks = len / bs;
        AtomicLong next = new AtomicLong();
        AtomicLong done = new AtomicLong();
        AtomicLong running = new AtomicLong(qd);
        Throwable[] failure = new Throwable[1];
        VolatileFlag flag = new VolatileFlag();
        Thread starter = new Thread(() -> {
            try {
                s.callInMainLoop(() -> {
                    for (int i = 0; i < qd; i++) {
                        s.start(s.mainContext(), () -> {
                            ByteBuffer buf = ByteBuffer.allocateDirect(bs);
                            try {
                                while (!flag.stop) {
                                    long block = seq ? next.getAndIncrement() % blocks
                                            : ThreadLocalRandom.current().nextLong(blocks);
                                    buf.clear();
                                    if (write) {
                                        blk.pwrite(block * bs, buf);
                                    } else {
                                        blk.pread(block * bs, buf);
                                    }
                                    done.incrementAndGet();
                                }
                            } catch (Throwable t) {
                                failure[0] = t;
                            } finally {
                                running.decrementAndGet();
                            }
                        });
                    }
                    return null;
                });
            } catch (Exception e) {
                failure[0] = e;
            }
        }, "readload-starter");
        starter.setDaemon(true);
        starter.start();
        Thread.sleep((long) (warmup * 1000));
        long c0 = done.get();
        long t0 = System.nanoTime();
        Thread.sleep((long) (seconds * 1000));
        long c1 = done.get();
        long t1 = System.nanoTime();
        flag.stop = true;
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (running.get() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        starter.join(10_000);
        if (failure[0] != null) {
            throw new IllegalStateException((write ? "write" : "read") + " load failed", failure[0]);
        }
        return (c1 - c0) / ((t1 - t0) / 1e9);
    }

    static final class VolatileFlag {
        volatile boolean stop;
    }
}
