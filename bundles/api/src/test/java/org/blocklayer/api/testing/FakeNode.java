package org.blocklayer.api.testing;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectableChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.coroutine.PollHandler;
import org.blocklayer.api.coroutine.BlockingCall;
import org.blocklayer.api.coroutine.FdWatch;
import org.blocklayer.api.coroutine.ThreadPool;
import org.blocklayer.api.coroutine.Timer;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;

/**
 * A node for drivers' unit tests, without core: no graph, no lock, no event loop. What a driver's open leaves on a
 * node (opaque, sg, total sectors) is kept for the test to look at; its context is "main", always current, and its
 * worker pool runs each call at once on the calling thread, counting them ({@link #poolCalls()}).
 *
 * <p>As the parent of a format driver's node it opens {@link #setChild its child} for {@code openChild} and records
 * the roles and options it got. As that child it reports {@link #setLength its length} and records, as text, every
 * request that reaches it through the edge ({@link #io()}: {@code "read 1024+512"}, {@code "write 0+4096"},
 * {@code "flush"}, {@code "truncate 8192"}); reads and writes consume the buffer and touch no data.
 *
 * <p>Shared by the drivers' tests through the API's test jar ({@code <type>test-jar</type>}).
 */
public final class FakeNode implements DriverNode {
    private final String name;
    private BlockOptions options = new BlockOptions();
    private int flags;
    private Object opaque;
    private boolean sg;
    private long totalSectors;
    private int poolCalls;

    private FakeNode child;
    private Edge file;
    private final List<BlockChild> parents = new ArrayList<>();
    private Set<ChildRole> openedRoles;
    private BlockOptions childOptions;

    private long length;
    private BlockException lengthError;
    private final List<String> io = new ArrayList<>();

    private final ThreadPool pool = new ThreadPool() {
        @Override
        public <T> T run(BlockingCall<T> call) throws IOException {
            poolCalls++;
            return call.call();
        }
    };

    private final AioContext context = new AioContext() {
        @Override public String name() { return "main"; }
        @Override public boolean isCurrent() { return true; }
        @Override public void schedule(Runnable bottomHalf) { bottomHalf.run(); }
        @Override public ThreadPool threadPool() { return pool; }

        @Override
        public FdWatch watch(SelectableChannel channel, Runnable onReadable, Runnable onWritable) {
            throw new UnsupportedOperationException("FakeNode's context watches no channel");
        }

        @Override
        public Timer after(long delayNanos, Runnable callback) {
            throw new UnsupportedOperationException("FakeNode's context has no timers");
        }

        @Override
        public void addPollHandler(PollHandler handler) {
            throw new UnsupportedOperationException("FakeNode's context runs no event loop to poll a handler in");
        }

        @Override
        public void removePollHandler(PollHandler handler) {
        }

        @Override
        public CoroutineScheduler scheduler() {
            throw new UnsupportedOperationException("FakeNode's context has no scheduler");
        }
    };

    public FakeNode(String name) {
        this.name = name;
    }

    // What the test sets up.

    /** The options and open flags the node reports as opened with; none and read-only unless set. */
    public FakeNode openedWith(BlockOptions opened, int openFlags) {
        this.options = opened.copy();
        this.flags = openFlags;
        return this;
    }

    /** The node {@code openChild} hands out; without one, it fails unless the child may be absent. */
    public FakeNode setChild(FakeNode node) {
        this.child = node;
        return this;
    }

    /** The length this node reports, in bytes; clears {@link #failLength}. */
    public FakeNode setLength(long bytes) {
        this.length = bytes;
        this.lengthError = null;
        return this;
    }

    /** Every length query from now on fails with {@code error}. */
    public FakeNode failLength(BlockException error) {
        this.lengthError = error;
        return this;
    }

    // What the test looks at.

    /** How many calls went through the worker pool. */
    public int poolCalls() { return poolCalls; }

    /** The roles of the last {@code openChild}, or null. */
    public Set<ChildRole> openedRoles() { return openedRoles; }

    /** The {@code childName.*} options the last {@code openChild} took, without the prefix, or null. */
    public BlockOptions childOptions() { return childOptions; }

    /** The requests that reached this node, oldest first. */
    public List<String> io() { return io; }

    // BlockNode: state.

    @Override public String nodeName() { return name; }
    @Override public String driverName() { return null; }
    @Override public String filename() { return options.get("filename"); }
    @Override public AioContext aioContext() { return context; }
    @Override public int openFlags() { return flags; }
    @Override public boolean isReadOnly() { return (flags & OpenFlags.RDWR) == 0; }
    @Override public BlockOptions options() { return options.copy(); }
    @Override public long totalSectors() { return totalSectors; }
    @Override public void setTotalSectors(long sectors) { totalSectors = sectors; }
    @Override public boolean isSg() { return sg; }
    @Override public void setSg(boolean sg) { this.sg = sg; }
    @Override public <T> T opaque(Class<T> type) { return type.cast(opaque); }
    @Override public void setOpaque(Object state) { opaque = state; }

    // BlockNode: the graph around it.

    @Override public DriverChild file() { return file; }
    @Override public DriverChild backing() { return null; }
    @Override public List<DriverChild> children() { return file == null ? List.of() : List.of(file); }
    @Override public List<BlockChild> parents() { return List.copyOf(parents); }

    @Override
    public DriverChild openChild(BlockOptions opts, String childName, Set<ChildRole> roles, boolean allowNone)
            throws BlockException {
        openedRoles = Set.copyOf(roles);
        childOptions = opts.extractSub(childName);
        if (child == null) {
            if (allowNone) {
                return null;
            }
            throw new BlockException(Errno.EINVAL, "A block device must be specified for \"" + childName + "\"");
        }
        file = new Edge(childName, openedRoles, this, child);
        child.parents.add(file);
        return file;
    }

    // BlockNode: lengths, as the child of the node under test.

    @Override
    public long coGetLength() throws BlockException {
        if (lengthError != null) {
            throw lengthError;
        }
        return length;
    }

    @Override public long getLength() throws BlockException { return coGetLength(); }
    @Override public long coNbSectors() throws BlockException { return Math.ceilDiv(coGetLength(), SECTOR_SIZE); }
    @Override public long nbSectors() throws BlockException { return coNbSectors(); }
    @Override public void coRefreshTotalSectors(long hint) throws BlockException { totalSectors = coNbSectors(); }
    @Override public void refreshTotalSectors(long hint) throws BlockException { coRefreshTotalSectors(hint); }
    @Override public <T> T call(CoBody<T> body) throws BlockException { return body.run(); }

    /** The edge to the child: every request through it is recorded in the child's {@link #io()}. */
    private record Edge(String name, Set<ChildRole> roles, FakeNode parent, FakeNode node) implements DriverChild {

        @Override
        public void coPreadv(long offset, ByteBuffer buf, int flags) {
            node.io.add("read " + offset + "+" + buf.remaining());
            buf.position(buf.limit());
        }

        @Override
        public void coPwritev(long offset, ByteBuffer buf, int flags) {
            node.io.add("write " + offset + "+" + buf.remaining());
            buf.position(buf.limit());
        }

        @Override
        public void coFlush() {
            node.io.add("flush");
        }

        @Override
        public void coPwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
            throw new BlockException(Errno.ENOTSUP, "a FakeNode writes no zeroes");
        }

        @Override
        public void coPdiscard(long offset, long bytes) {
            // Advice: a fake has nothing to give back.
        }

        @Override
        public BlockStatus.Status coBlockStatus(boolean wantZero, long offset, long bytes) {
            return new BlockStatus.Status(BlockStatus.Status.DATA | BlockStatus.Status.ALLOCATED, bytes, offset, node);
        }

        @Override
        public long coTruncate(long offset) {
            node.io.add("truncate " + offset);
            return offset;
        }

        @Override
        public long coGetLength() throws BlockException {
            return node.coGetLength();
        }
    }

    @Override
    public String toString() {
        return "FakeNode " + name;
    }
}
