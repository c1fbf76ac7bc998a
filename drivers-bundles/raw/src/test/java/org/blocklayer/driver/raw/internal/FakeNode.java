package org.blocklayer.driver.raw.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;

/**
 * A test-only node, parent or child of a raw node. As a parent it opens {@link #child} for {@code openChild} and
 * records the roles and options it got; as a child it reports {@link #length} and records the I/O that reaches it.
 * Everything a format driver should not need throws.
 */
final class FakeNode implements BlockNode {
    private final String name;
    private Object opaque;
    private boolean sg;
    private BlockChild file;

    FakeNode child;
    Set<ChildRole> openedRoles;
    BlockOptions childOptions;

    long length;
    BlockException lengthError;
    final List<String> io = new ArrayList<>();

    FakeNode(String name) {
        this.name = name;
    }

    @Override
    public String nodeName() {
        return name;
    }

    @Override
    public <T> T opaque(Class<T> type) {
        return type.cast(opaque);
    }

    @Override
    public void setOpaque(Object state) {
        this.opaque = state;
    }

    @Override
    public boolean isSg() {
        return sg;
    }

    @Override
    public void setSg(boolean sg) {
        this.sg = sg;
    }

    @Override
    public BlockChild file() {
        return file;
    }

    @Override
    public BlockChild openChild(BlockOptions options, String childName, Set<ChildRole> roles, boolean allowNone) {
        openedRoles = Set.copyOf(roles);
        childOptions = options.extractSub(childName);
        FakeNode parent = this;
        file = new BlockChild() {
            @Override public String name() { return childName; }
            @Override public Set<ChildRole> roles() { return openedRoles; }
            @Override public BlockNode parent() { return parent; }
            @Override public BlockNode node() { return child; }
        };
        return file;
    }

    @Override
    public long getLength() throws BlockException {
        return coGetLength();
    }

    @Override
    public long coGetLength() throws BlockException {
        if (lengthError != null) {
            throw lengthError;
        }
        return length;
    }

    @Override
    public void coPreadv(long offset, ByteBuffer buf, int flags) {
        io.add("read " + offset + "+" + buf.remaining());
        buf.position(buf.limit());
    }

    @Override
    public void coPwritev(long offset, ByteBuffer buf, int flags) {
        io.add("write " + offset + "+" + buf.remaining());
        buf.position(buf.limit());
    }

    @Override
    public void coFlush() {
        io.add("flush");
    }

    @Override
    public long coTruncate(long offset) {
        io.add("truncate " + offset);
        return offset;
    }

    private static UnsupportedOperationException unused() {
        return new UnsupportedOperationException("not needed by a format driver's unit test");
    }

    @Override public BlockDriver driver() { throw unused(); }
    @Override public String filename() { throw unused(); }
    @Override public AioContext aioContext() { throw unused(); }
    @Override public int openFlags() { throw unused(); }
    @Override public boolean isReadOnly() { throw unused(); }
    @Override public BlockOptions options() { throw unused(); }
    @Override public long totalSectors() { throw unused(); }
    @Override public void setTotalSectors(long sectors) { throw unused(); }
    @Override public BlockChild backing() { throw unused(); }
    @Override public List<BlockChild> children() { throw unused(); }
    @Override public List<BlockChild> parents() { throw unused(); }
    @Override public void coRefreshTotalSectors(long hint) { throw unused(); }
    @Override public long coNbSectors() { throw unused(); }
    @Override public void refreshTotalSectors(long hint) { throw unused(); }
    @Override public long nbSectors() { throw unused(); }
    @Override public void pread(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void pwrite(long offset, ByteBuffer buf, int flags) { throw unused(); }
    @Override public void flush() { throw unused(); }
    @Override public long truncate(long offset) { throw unused(); }
}
