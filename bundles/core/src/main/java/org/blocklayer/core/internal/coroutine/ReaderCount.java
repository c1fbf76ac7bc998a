package org.blocklayer.core.internal.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One context's count of graph readers ({@code BdrvGraphRWlock.reader_count}), padded onto its own cache line so
 * that readers in different iothreads never write a shared line. The count may go negative when a reader locked in
 * one context and unlocked in another (B35); only the sum over all contexts means anything.
 */
@SuppressWarnings("unused")
public final class ReaderCount {
    private static final VarHandle COUNT;

    static {
        try {
            COUNT = MethodHandles.lookup().findVarHandle(ReaderCount.class, "count", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private long p01, p02, p03, p04, p05, p06, p07;
    private volatile long count;
    private long p11, p12, p13, p14, p15, p16, p17;

    /** Adds {@code delta} with a full fence, so a following read of the writer flag cannot move before it. */
    public void add(long delta) {
        COUNT.getAndAdd(this, delta);
    }

    public long get() {
        return count;
    }
}
