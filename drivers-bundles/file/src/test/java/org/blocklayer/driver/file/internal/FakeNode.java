package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.BlockingCall;
import org.blocklayer.api.coroutine.ThreadPool;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;

/**
 * A test-only node: just enough of {@link BlockNode} for a protocol driver (name, opaque, a context whose worker pool
 * runs calls inline and counts them). Everything a driver should not need throws.
 */
final class FakeNode implements BlockNode {
    private final String name;
    private Object opaque;
    int poolCalls;

    private final ThreadPool pool = new ThreadPool() {
        @Override
        public <T> T run(BlockingCall<T> call) throws IOException {
            poolCalls++;
            return call.call();
        }
    };

    private final AioContext context = new AioContext() {
        @Override
        public String name() {
            return "main";
        }

        @Override
        public boolean isCurrent() {
            return true;
        }

        @Override
        public void schedule(Runnable bottomHalf) {
            bottomHalf.run();
        }

        @Override
        public ThreadPool threadPool() {
            return pool;
        }

        @Override
        public org.blocklayer.api.coroutine.FdWatch watch(java.nio.channels.SelectableChannel channel,
                Runnable onReadable, Runnable onWritable) {
            throw unused();
        }

        @Override
        public org.blocklayer.api.coroutine.Timer after(long delayNanos, Runnable callback) {
            throw unused();
        }
    };

    FakeNode(String name) {
        this.name = name;
    }

    @Override
    public String nodeName() {
        return name;
    }

    @Override
    public AioContext aioContext() {
        return context;
    }

    @Override
    public <T> T opaque(Class<T> type) {
        return type.cast(opaque);
    }

    @Override
    public void setOpaque(Object state) {
        this.opaque = state;
    }

    private static UnsupportedOperationException unused() {
        return new UnsupportedOperationException("not needed by a protocol driver's unit test");
    }

    @Override public BlockDriver driver() { throw unused(); }
    @Override public String filename() { throw unused(); }
    @Override public int openFlags() { throw unused(); }
    @Override public boolean isReadOnly() { throw unused(); }
    @Override public BlockOptions options() { throw unused(); }
    @Override public long totalSectors() { throw unused(); }
    @Override public void setTotalSectors(long sectors) { throw unused(); }
    @Override public boolean isSg() { throw unused(); }
    @Override public void setSg(boolean sg) { throw unused(); }
    @Override public BlockChild file() { throw unused(); }
    @Override public BlockChild backing() { throw unused(); }
    @Override public List<BlockChild> children() { throw unused(); }
    @Override public List<BlockChild> parents() { throw unused(); }
    @Override public BlockChild openChild(BlockOptions o, String c, Set<ChildRole> r, boolean a) { throw unused(); }
    @Override public void coRefreshTotalSectors(long hint) { throw unused(); }
    @Override public long coNbSectors() { throw unused(); }
    @Override public long coGetLength() { throw unused(); }
    @Override public void refreshTotalSectors(long hint) { throw unused(); }
    @Override public long nbSectors() { throw unused(); }
    @Override public long getLength() { throw unused(); }
    @Override public void coPreadv(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void coPwritev(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void coFlush() { throw unused(); }
    @Override public void pread(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void pwrite(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void flush() { throw unused(); }
    @Override public long coTruncate(long offset) { throw unused(); }
    @Override public long truncate(long offset) { throw unused(); }
}
