package org.blocklayer.driver.hostdevice.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.FormatInfo;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.posix.AioMode;
import org.blocklayer.posix.ImageLocking;
import org.blocklayer.posix.NodeLocks;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolIo;
import org.blocklayer.posix.ProtocolOptions;
import org.osgi.service.component.annotations.Component;

/**
 * Protocol driver {@code host_device} for Linux block devices: QEMU's {@code bdrv_host_device} (block/file-posix.c).
 * The length is {@code lseek(fd, 0, SEEK_END)} as QEMU's raw_getlength, and it is not variable: core caches it
 * and asks again only on refresh (B10), so a device resized underneath shows its new size after
 * {@code block:resize}/refresh.
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + HostDeviceDriver.NAME)
public final class HostDeviceDriver
        implements BlockDriver, GetLength, Truncate, ImageLocking, WriteZeroes, Discard, BlockStatus,
        FormatInfo {

    static final String NAME = "host_device";

    private static final ProtocolIo IO = new ProtocolIo(NAME, "device");

    @Override
    public String formatName() {
        return NAME;
    }

    /** QEMU's prefix is {@code host_device:}; {@link #parseFilename} strips it. */
    @Override
    public String protocolName() {
        return NAME;
    }

    /** {@code hdev_probe_device}: a plain path to a block device is ours. */
    @Override
    public int probeDevice(String filename) {
        try {
            return Posix.stat(filename).isBlockDevice() ? 100 : 0;
        } catch (PosixException e) {
            return 0;
        }
    }

    /**
     * {@code hdev_open}. Options: {@code filename} (required), {@code aio=threads|io_uring} (default: io_uring
     * where the kernel allows it, see {@link AioMode}), {@code cache.direct=on|off}
     * (O_DIRECT; also taken from the NOCACHE open flag), {@code locking}, {@code discard=ignore|off|unmap|on}
     * (whether discard requests reach the device). Read-only nodes open O_RDONLY; a read-write open of a
     * read-only device fails with EACCES.
     */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        ProtocolOptions protocol = ProtocolOptions.take(NAME, options, flags);
        boolean unmap = ProtocolOptions.takeUnmap(options, flags);
        DeviceState state = DeviceOpener.open(protocol, unmap);
        try {
            state = state.withLocks(NodeLocks.open(protocol.filename(), options));
            bs.setOpaque(state.withAio(AioMode.open(protocol.aio(), bs, NAME)));
        } catch (BlockException | RuntimeException e) {
            state.close();
            throw e;
        }
    }

    @Override
    public Class<DeviceState> stateType() {
        return DeviceState.class;
    }

    /** {@code raw_get_specific_info}'s place: the node's I/O backend, as {@link AioMode#describe()} says it. */
    @Override
    @GlobalStateCode
    public Map<String, String> formatSpecific(DriverNode bs) {
        return ProtocolIo.formatSpecific(bs, DeviceState.class);
    }

    /** {@code raw_close}. */
    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        ProtocolIo.close(bs, DeviceState.class, DeviceState::close);
    }

    /** {@code raw_co_getlength}: lseek to the end; one quick syscall, so it stays on the context thread as in QEMU. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        return IO.getLength(bs, IO.state(bs, DeviceState.class, "Could not get the length of"));
    }

    /** {@code raw_co_preadv}: a read past the end of the device reads zeros. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        IO.preadv(bs, IO.state(bs, DeviceState.class, "Could not read from"), offset, buf);
    }

    /** {@code raw_co_pwritev}; past the end of the device the kernel answers ENOSPC. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        IO.pwritev(bs, IO.state(bs, DeviceState.class, "Could not write to"), offset, buf);
    }

    /** {@code raw_co_flush_to_disk}: fdatasync on a worker thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(DriverNode bs) throws BlockException {
        IO.flush(bs, IO.state(bs, DeviceState.class, "Could not flush"));
    }

    /**
     * {@code raw_co_truncate} for a block device, as {@code block_resize} calls it ({@code exact=false}): a device
     * cannot grow (EINVAL), and a size at or below the current one is accepted without changing anything, so the
     * refresh that follows finds the device's real length again.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(DriverNode bs, long offset) throws BlockException {
        long current = coGetLength(bs);
        if (offset > current) {
            DeviceState state = IO.state(bs, DeviceState.class, "Could not resize");
            throw IO.error(bs, Errno.EINVAL, ProtocolIo.what("Could not resize", state.filename())
                    + ": Cannot grow device files (" + offset + " bytes requested, the device has " + current + ")");
        }
    }

    /**
     * {@code hdev_co_pwrite_zeroes} ({@link DeviceZeroes#zeroes}) on a worker thread: with MAY_UNMAP
     * fallocate(PUNCH_HOLE) on the device first; then BLKZEROOUT, only with {@code cache.direct=on} and without
     * NO_FALLBACK, as QEMU 7.2. ENOTSUP otherwise, so that the core writes zeros; also (before any system call) for a
     * range not aligned to the logical block size, which QEMU's core never passes down and the kernel refuses.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        String action = "Could not write zeroes to";
        DeviceState state = IO.state(bs, DeviceState.class, action);
        IO.requireWritable(action, bs, state);
        if (!aligned(state, offset, bytes)) {
            throw IO.error(bs, Errno.ENOTSUP, ProtocolIo.what(action, state.filename(), offset, bytes)
                    + ": not aligned to the device's " + state.alignment() + "-byte blocks");
        }
        boolean mayUnmap = flags.contains(RequestFlag.MAY_UNMAP);
        boolean noFallback = flags.contains(RequestFlag.NO_FALLBACK);
        boolean done = false;
        if (mayUnmap || (state.direct() && !noFallback)) {
            try {
                done = bs.aioContext().threadPool().run(() -> DeviceZeroes.zeroes(state.fd(), offset, bytes,
                        mayUnmap, state.direct(), noFallback));
            } catch (IOException e) {
                throw IO.error(bs, ProtocolIo.what(action, state.filename(), offset, bytes), e);
            }
        }
        if (!done) {
            String why = !state.direct() ? "BLKZEROOUT is used only with cache.direct=on"
                    : noFallback ? "BLKZEROOUT may fall back to writing zeros (NO_FALLBACK)"
                    : "the device supports no way of zeroing";
            throw IO.error(bs, Errno.ENOTSUP, ProtocolIo.what(action, state.filename(), offset, bytes) + ": " + why);
        }
    }

    /**
     * {@code hdev_co_pdiscard}: with {@code discard=unmap}, BLKDISCARD on a worker thread; with
     * {@code discard=ignore} (the default), or on a device that cannot discard, ENOTSUP.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
        DeviceState state = IO.state(bs, DeviceState.class, "Could not discard");
        IO.discard(bs, state, state.unmap(), offset, bytes, () -> DeviceZeroes.discard(state.fd(), offset, bytes),
                "the device cannot discard");
    }

    /**
     * What QEMU's {@code bdrv_co_block_status} answers for host_device, which has no callback (no SEEK_DATA on
     * devices): the whole range is DATA|OFFSET_VALID at the same offset of this node. No system call.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException {
        IO.state(bs, DeviceState.class, "Could not get the block status of");
        return new Status(Status.DATA | Status.OFFSET_VALID, bytes, offset, bs);
    }

    private static boolean aligned(DeviceState state, long offset, long bytes) {
        return offset % state.alignment() == 0 && bytes % state.alignment() == 0;
    }
}
