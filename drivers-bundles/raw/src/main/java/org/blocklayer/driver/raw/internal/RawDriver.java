package org.blocklayer.driver.raw.internal;

import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.ChildPermissions;
import org.blocklayer.api.driver.CreateRequest;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.driver.ImageCreation;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.graph.PermissionPair;
import org.osgi.service.component.annotations.Component;

/** Format driver {@code raw}: QEMU's {@code bdrv_raw} (block/raw-format.c), a window over its {@code file} child. */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + RawDriver.NAME)
public final class RawDriver implements BlockDriver, GetLength, Truncate, ChildPermissions, WriteZeroes, Discard,
        BlockStatus, FormatProbe, ImageCreation {

    static final String NAME = "raw";
    /** {@code raw_create_opts}. */
    private static final List<CreateOption> CREATE_OPTIONS = List.of(
            new CreateOption(CreateOption.SIZE, CreateOption.Type.SIZE, "Virtual disk size"));

    @Override
    public String formatName() {
        return NAME;
    }

    /** B15: the child may change size under us (a file grown outside, a resized device), so ask every time. */
    @Override
    public boolean hasVariableLength() {
        return true;
    }

    /**
     * {@code raw_probe}: 1, the smallest score that counts, so that raw is chosen if and only if no other format
     * recognises the image.
     */
    @Override
    public int probe(ByteBuffer head, String filename) {
        return 1;
    }

    @Override
    public List<CreateOption> createOptions() {
        return CREATE_OPTIONS;
    }

    /** {@code raw_co_create_opts}: a raw image is its file, created by the protocol driver with every option. */
    @Override
    @CoroutineFn
    public void coCreate(CreateRequest request) throws BlockException {
        request.coCreateFile(request.filename(), request.options());
    }

    /** {@code raw_open}, with {@code raw_read_options} and {@code raw_apply_options}. */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        Long offsetOption = options.takeSize("offset");
        long offset = offsetOption == null ? 0 : offsetOption;
        Long size = options.takeSize("size");
        // Without offset and size raw passes data through unchanged, like a filter; with either it does not.
        Set<ChildRole> roles = offset != 0 || size != null
                ? EnumSet.of(ChildRole.DATA, ChildRole.PRIMARY)
                : EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY);
        DriverChild file = bs.openChild(options, "file", roles, false);
        bs.setSg(file.node().isSg());

        long childLength;
        try {
            childLength = file.node().getLength();
        } catch (BlockException e) {
            throw e.prepend("Could not get image size: ");
        }
        RawState state = RawState.apply(offset, size, childLength);
        if (bs.isSg() && state.isLimited()) {
            throw new BlockException(Errno.EINVAL, "Cannot use offset/size with SCSI generic devices");
        }
        bs.setOpaque(state);
    }

    /** {@code raw_co_getlength} (B15). */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        RawState state = state(bs);
        return state.refreshLength(child(bs).coGetLength());
    }

    /** {@code raw_co_preadv}. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        long childOffset = state(bs).childOffset(bs.nodeName(), offset, buf.remaining(), false);
        child(bs).coPreadv(childOffset, buf, flags);
    }

    /** {@code raw_co_pwritev}. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        long childOffset = state(bs).childOffset(bs.nodeName(), offset, buf.remaining(), true);
        child(bs).coPwritev(childOffset, buf, flags);
    }

    /** {@code raw_co_truncate}: resizes the child so that the window has the new size. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(DriverNode bs, long offset) throws BlockException {
        child(bs).coTruncate(state(bs).truncateTo(bs.nodeName(), offset));
    }

    /** {@code raw_co_pwrite_zeroes}: the same zeroes in the window of the child. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        child(bs).coPwriteZeroes(state(bs).childOffset(bs.nodeName(), offset, bytes, true), bytes, flags);
    }

    /** {@code raw_co_pdiscard}. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
        child(bs).coPdiscard(state(bs).childOffset(bs.nodeName(), offset, bytes, true), bytes);
    }

    /** {@code raw_co_block_status}: whatever the child holds at the same place of the window ({@code BDRV_BLOCK_RAW}). */
    @Override
    @CoroutineFn
    @GraphRdlock
    public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException {
        long childOffset = state(bs).childOffset(bs.nodeName(), offset, bytes, false);
        return new Status(Status.RAW | Status.OFFSET_VALID, bytes, childOffset, child(bs).node());
    }

    /** Forwards the flush to the child, as {@code bdrv_co_flush} does for a format without its own. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(DriverNode bs) throws BlockException {
        child(bs).coFlush();
    }

    private static RawState state(DriverNode bs) throws BlockException {
        RawState state = bs.opaque(RawState.class);
        if (state == null) {
            throw new BlockException(Errno.ENOMEDIUM, bs.nodeName(), NAME, "the node is not open");
        }
        return state;
    }

    private static DriverChild child(DriverNode bs) throws BlockException {
        DriverChild file = bs.file();
        if (file == null) {
            throw new BlockException(Errno.ENOMEDIUM, bs.nodeName(), NAME, "the node has no file child");
        }
        return file;
    }

    /**
     * {@code raw_child_perm}: the default permissions for its child, except that raw takes write and resize on its
     * file only when its own users need them, which avoids conflicts the defaults would make.
     */
    @Override
    public PermissionPair childPermissions(DriverNode bs, BlockChild child, Set<Permission> parentTaken,
            Set<Permission> parentShared, PermissionPair defaults) {
        EnumSet<Permission> taken = defaults.taken().isEmpty() ? EnumSet.noneOf(Permission.class)
                : EnumSet.copyOf(defaults.taken());
        taken.removeAll(EnumSet.of(Permission.WRITE, Permission.RESIZE));
        for (Permission p : EnumSet.of(Permission.WRITE, Permission.RESIZE)) {
            if (parentTaken.contains(p)) {
                taken.add(p);
            }
        }
        return new PermissionPair(taken, defaults.shared());
    }
}
