package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;

/**
 * QEMU's {@code Qcow2Cache} (block/qcow2-cache.c): a write-back cache of one kind of metadata table (L2 tables,
 * refcount blocks), one cluster per table, least recently used out first. A cache may depend on another
 * ({@code qcow2_cache_set_dependency}): before it writes a dirty table, the other is written and the file flushed,
 * which is how refcounts reach the disk before an L2 entry points at their clusters, and a cleared L2 entry before
 * the refcount that frees its cluster. Used under the image's lock only, so not thread-safe itself.
 */
final class Qcow2Cache {
    /** One cached table: its offset in the file, its bytes (big-endian), whether the disk is behind. */
    static final class Table {
        final long offset;
        final ByteBuffer data;
        boolean dirty;

        Table(long offset, ByteBuffer data) {
            this.offset = offset;
            this.data = data;
        }

        long entry(int index) {
            return data.getLong(index * 8);
        }

        void setEntry(int index, long value) {
            data.putLong(index * 8, value);
        }
    }

    private final DriverChild file;
    private final int tableSize;
    private final int capacity;
    private final LinkedHashMap<Long, Table> tables = new LinkedHashMap<>(16, 0.75f, true);
    private Qcow2Cache dependency;

    Qcow2Cache(DriverChild file, int tableSize, int capacity) {
        this.file = file;
        this.tableSize = tableSize;
        this.capacity = Math.max(2, capacity);
    }

    int capacity() {
        return capacity;
    }

    /** {@code qcow2_cache_get}: the table at {@code offset}, read from the file on a miss. */
    @CoroutineFn
    @GraphRdlock
    Table get(long offset) throws BlockException {
        Table t = tables.get(offset);
        if (t != null) {
            return t;
        }
        makeRoom();
        ByteBuffer data = ByteBuffer.allocate(tableSize);
        file.coPreadv(offset, data, 0);
        t = new Table(offset, data.clear());
        tables.put(offset, t);
        return t;
    }

    /** {@code qcow2_cache_get_empty}: a zeroed table for a cluster just allocated, marked dirty. */
    @CoroutineFn
    @GraphRdlock
    Table getEmpty(long offset) throws BlockException {
        tables.remove(offset);
        makeRoom();
        Table t = new Table(offset, ByteBuffer.allocate(tableSize));
        t.dirty = true;
        tables.put(offset, t);
        return t;
    }

    /** {@code qcow2_cache_set_dependency}: this cache writes nothing before {@code other} is on disk. */
    @CoroutineFn
    @GraphRdlock
    void dependOn(Qcow2Cache other) throws BlockException {
        if (other.dependency == this) {
            // The other way round is pending: settle it first rather than make a cycle.
            flush();
        }
        dependency = other;
    }

    /** {@code qcow2_cache_discard}: the cluster is freed; its table must never be written back. */
    void discard(long offset) {
        tables.remove(offset);
    }

    /** {@code qcow2_cache_write}: every dirty table to the file (dependency first), without a flush. */
    @CoroutineFn
    @GraphRdlock
    void write() throws BlockException {
        List<Table> dirty = new ArrayList<>();
        for (Table t : tables.values()) {
            if (t.dirty) {
                dirty.add(t);
            }
        }
        if (dirty.isEmpty()) {
            return;
        }
        settleDependency();
        dirty.sort((a, b) -> Long.compare(a.offset, b.offset));
        for (Table t : dirty) {
            writeOne(t);
        }
    }

    /** {@code qcow2_cache_flush}: {@link #write} then a flush of the file. */
    @CoroutineFn
    @GraphRdlock
    void flush() throws BlockException {
        write();
        file.coFlush();
    }

    /** Drops every table (after a flush), as {@code qcow2_cache_empty}. */
    void empty() {
        tables.clear();
    }

    @CoroutineFn
    @GraphRdlock
    private void settleDependency() throws BlockException {
        if (dependency != null) {
            Qcow2Cache d = dependency;
            dependency = null;
            d.flush();
        }
    }

    @CoroutineFn
    @GraphRdlock
    private void writeOne(Table t) throws BlockException {
        file.coPwritev(t.offset, t.data.duplicate().clear(), 0);
        t.dirty = false;
    }

    @CoroutineFn
    @GraphRdlock
    private void makeRoom() throws BlockException {
        while (tables.size() >= capacity) {
            Iterator<Table> it = tables.values().iterator();
            Table victim = it.next();
            if (victim.dirty) {
                settleDependency();
                writeOne(victim);
            }
            tables.remove(victim.offset);
        }
    }
}
