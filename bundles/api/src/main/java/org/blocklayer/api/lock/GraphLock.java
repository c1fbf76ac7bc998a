package org.blocklayer.api.lock;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The block graph reader/writer lock ({@code block/graph-lock.c}).
 *
 * <p>Readers are coroutines in any context; each context counts its own readers, so readers never share a written
 * cache line. The single writer is the main loop: it announces itself, drains, and waits until no reader is left.
 * A reader that finds a writer active parks until the writer unlocks. Held as guards:
 * {@code try (var r = graphLock.coRdlock()) { ... }}.
 */
@ProviderType
public interface GraphLock {

    /** Takes the read lock ({@code bdrv_graph_co_rdlock}); yields while a writer holds it. */
    @CoroutineFn
    Reader coRdlock();

    /** Takes the write lock in the main loop ({@code bdrv_graph_wrlock}); returns once every reader has left. */
    @GlobalStateCode
    Writer wrlock();

    /** Fails unless the graph may be read here ({@code assert_bdrv_graph_readable}). */
    void assertReadable();

    /** Fails unless the caller is the main loop holding the write lock ({@code assert_bdrv_graph_writable}). */
    void assertWritable();

    /** A held read lock; closing it is {@code bdrv_graph_co_rdunlock}. */
    interface Reader extends AutoCloseable {
        @Override
        void close();
    }

    /** A held write lock; closing it is {@code bdrv_graph_wrunlock}. */
    interface Writer extends AutoCloseable {
        @Override
        void close();
    }
}
