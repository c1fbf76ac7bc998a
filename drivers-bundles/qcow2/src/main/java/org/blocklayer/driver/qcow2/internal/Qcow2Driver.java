package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.CreateRequest;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.FormatInfo;
import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.driver.ImageCreation;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.SupportsBacking;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.graph.OpenFlags;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Format driver {@code qcow2}: QEMU's {@code bdrv_qcow2} (block/qcow2.c), a copy-on-write image over its
 * {@code file} child with an optional {@code backing} child. Like QEMU's, it has no getlength callback: the virtual
 * size is the header's, set at open and after a resize (B55).
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + Qcow2Driver.NAME)
public final class Qcow2Driver implements BlockDriver, BlockStatus, FormatProbe, Truncate, WriteZeroes, Discard,
        ImageCreation, SupportsBacking, FormatInfo {

    static final String NAME = "qcow2";
    private final CoroutineScheduler scheduler;

    @Activate
    public Qcow2Driver(@Reference CoroutineScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public String formatName() {
        return NAME;
    }

    /** {@code qcow2_probe}: a whole header with the magic and a version of 2 or more. */
    @Override
    public int probe(ByteBuffer head, String filename) {
        if (head.remaining() >= Qcow2Header.V3_LENGTH && head.getInt(head.position()) == Qcow2Header.MAGIC
                && head.getInt(head.position() + 4) >= 2) {
            return 100;
        }
        return 0;
    }

    /** {@code qcow2_open}: the file child, then {@code qcow2_do_open} in a coroutine, then the backing file. */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        Long l2CacheSize = options.takeSize("l2-cache-size");
        Boolean passDiscard = options.takeBool("pass-discard-request");
        DriverChild file = bs.openChild(options, "file",
                EnumSet.of(ChildRole.DATA, ChildRole.METADATA, ChildRole.PRIMARY), false);
        boolean rw = (flags & OpenFlags.RDWR) != 0;
        Qcow2State s = bs.call(() -> {
            Qcow2State st = Qcow2Open.open(bs.nodeName(), file, rw, l2CacheSize, scheduler.newMutex(),
                    scheduler.newQueue());
            if (rw) {
                DirtyRepair.prepareForWriting(st);
            }
            return st;
        });
        s.passDiscardRequest = passDiscard != null ? passDiscard : (flags & OpenFlags.UNMAP) != 0;
        bs.setTotalSectors(s.size() / 512);
        bs.setOpaque(s);
        BackingChild.open(bs, options, s.backingFile, s.extensions.backingFormat());
    }

    /**
     * {@code qcow2_close} ({@code qcow2_inactivate}): the caches written back and the file flushed, from the main
     * loop under the write lock the core closes a node with. The core also flushes a node before its driver leaves
     * (X1); what requests cached after that flush is written here, so a driver swap loses nothing acknowledged (X2).
     */
    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        Qcow2State s = bs.opaque(Qcow2State.class);
        if (s != null && s.refcounts != null) {
            try {
                bs.call(() -> {
                    flush(s);
                    return null;
                });
            } catch (BlockException e) {
                // Nothing to hand the error to; the image keeps leaked clusters at worst, never corrupt ones.
            }
        }
        bs.setOpaque(null);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        Qcow2Reader.read(bs, state(bs), offset, buf, false);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        Qcow2Writer.write(bs, writable(bs), offset, buf);
    }

    /** {@code qcow2_co_flush_to_disk}: L2 tables and refcount blocks written (in dependency order), then the file. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(DriverNode bs) throws BlockException {
        Qcow2State s = state(bs);
        if (s.refcounts == null) {
            s.file.coFlush();
            return;
        }
        s.lock();
        try {
            flush(s);
        } finally {
            s.unlock();
        }
    }

    @CoroutineFn
    @GraphRdlock
    private static void flush(Qcow2State s) throws BlockException {
        s.l2Cache.write();
        s.refcounts.blocks().write();
        s.file.coFlush();
    }

    /** {@code qcow2_co_block_status}. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException {
        Qcow2State s = state(bs);
        ClusterMap.Mapping m;
        s.lock();
        try {
            m = s.map.lookup(offset, bytes);
        } finally {
            s.unlock();
        }
        return switch (m.type()) {
            case NORMAL -> new Status(Status.DATA | Status.OFFSET_VALID, m.bytes(), m.host(), s.file.node());
            case ZERO_ALLOC -> new Status(Status.ZERO | Status.OFFSET_VALID, m.bytes(), m.host(), s.file.node());
            case ZERO_PLAIN -> new Status(Status.ZERO, m.bytes(), 0, null);
            case COMPRESSED -> new Status(Status.DATA, m.bytes(), 0, null);
            case UNALLOCATED -> new Status(0, m.bytes(), 0, null);
        };
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        Qcow2Zeroes.write(bs, writable(bs), offset, bytes, flags.contains(RequestFlag.MAY_UNMAP));
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
        Qcow2Zeroes.discard(bs, writable(bs), offset, bytes);
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(DriverNode bs, long offset) throws BlockException {
        Qcow2Resize.grow(bs, writable(bs), offset);
    }

    /** {@code qcow2_get_specific_info}. */
    @Override
    @GlobalStateCode
    public java.util.Map<String, String> formatSpecific(DriverNode bs) {
        Qcow2State s = bs.opaque(Qcow2State.class);
        return s == null ? java.util.Map.of() : Qcow2Info.of(s);
    }

    @Override
    public List<CreateOption> createOptions() {
        return Qcow2Create.OPTIONS;
    }

    @Override
    @CoroutineFn
    public void coCreate(CreateRequest request) throws BlockException {
        Qcow2Create.create(request);
    }

    static Qcow2State state(DriverNode bs) throws BlockException {
        Qcow2State s = bs.opaque(Qcow2State.class);
        if (s == null) {
            throw new BlockException(Errno.ENOMEDIUM, bs.nodeName(), NAME, "the node is not open");
        }
        return s;
    }

    private static Qcow2State writable(DriverNode bs) throws BlockException {
        Qcow2State s = state(bs);
        if (s.refcounts == null) {
            throw new BlockException(Errno.EPERM, bs.nodeName(), NAME, "the image was opened read-only");
        }
        return s;
    }
}
