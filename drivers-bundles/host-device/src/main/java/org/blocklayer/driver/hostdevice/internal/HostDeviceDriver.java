package org.blocklayer.driver.hostdevice.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolOptions;
import org.osgi.service.component.annotations.Component;

/**
 * Protocol driver {@code host_device} for Linux block devices: QEMU's {@code bdrv_host_device} (block/file-posix.c).
 * The length is {@code lseek(fd, 0, SEEK_END)} as QEMU's raw_getlength, and it is not variable: core caches it
 * and asks again only on refresh (B10), so a device resized underneath shows its new size after
 * {@code block:resize}/refresh.
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + HostDeviceDriver.NAME)
public final class HostDeviceDriver implements BlockDriver {

    static final String NAME = "host_device";

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

    @Override
    public boolean hasGetLength() {
        return true;
    }

    /**
     * {@code hdev_open}. Options: {@code filename} (required), {@code aio=threads}, {@code cache.direct=on|off}
     * (O_DIRECT; also taken from the NOCACHE open flag). Read-only nodes open O_RDONLY; a read-write open of a
     * read-only device fails with EACCES.
     */
    @Override
    @GlobalStateCode
    public void open(BlockNode bs, BlockOptions options, int flags) throws BlockException {
        bs.setOpaque(DeviceOpener.open(ProtocolOptions.take(NAME, options, flags)));
    }

    /** {@code raw_close}. */
    @Override
    @GlobalStateCode
    public void close(BlockNode bs) {
        DeviceState state = bs.opaque(DeviceState.class);
        if (state != null) {
            state.close();
        }
    }

    /** {@code raw_co_getlength}: lseek to the end; one quick syscall, so it stays on the context thread as in QEMU. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(BlockNode bs) throws BlockException {
        DeviceState state = state(bs, "Could not get the length of");
        try {
            return Posix.seekEnd(state.fd());
        } catch (PosixException e) {
            throw e.toBlockException(what("Could not get the length of", bs, state));
        }
    }

    /** {@code raw_co_preadv}: a read past the end of the device reads zeros. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(BlockNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        DeviceState state = state(bs, "Could not read from");
        checkOffset(offset, bs, state, "Could not read from");
        try {
            bs.aioContext().threadPool().run(() -> {
                state.io().read(offset, buf);
                return null;
            });
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not read from", bs, state), e);
        }
    }

    /** {@code raw_co_pwritev}; past the end of the device the kernel answers ENOSPC. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(BlockNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        DeviceState state = state(bs, "Could not write to");
        checkOffset(offset, bs, state, "Could not write to");
        if (!state.writable()) {
            // What write(2) on an O_RDONLY descriptor says.
            throw new BlockException(Errno.EBADF, what("Could not write to", bs, state) + ": "
                    + Errno.EBADF.description() + " (the device was opened read-only)");
        }
        int wanted = buf.remaining();
        long written;
        try {
            written = bs.aioContext().threadPool().run(() -> state.io().write(offset, buf));
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not write to", bs, state), e);
        }
        if (written < wanted) {
            // handle_aiocb_rw turns a short write into -EINVAL.
            throw new BlockException(Errno.EINVAL, what("Could not write to", bs, state) + ": short write ("
                    + written + " of " + wanted + " bytes)");
        }
    }

    /** {@code raw_co_flush_to_disk}: fdatasync on a worker thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(BlockNode bs) throws BlockException {
        DeviceState state = state(bs, "Could not flush");
        try {
            bs.aioContext().threadPool().run(() -> {
                Posix.fdatasync(state.fd());
                return null;
            });
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not flush", bs, state), e);
        }
    }

    /**
     * {@code raw_co_truncate} for a block device, as {@code block_resize} calls it ({@code exact=false}): a device
     * cannot grow (EINVAL), and a size at or below the current one is accepted without changing anything, so the
     * refresh that follows finds the device's real length again.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(BlockNode bs, long offset) throws BlockException {
        long current = coGetLength(bs);
        if (offset > current) {
            DeviceState state = state(bs, "Could not resize");
            throw new BlockException(Errno.EINVAL, what("Could not resize", bs, state)
                    + ": Cannot grow device files (" + offset + " bytes requested, the device has " + current + ")");
        }
    }

    private static DeviceState state(BlockNode bs, String action) throws BlockException {
        DeviceState state = bs.opaque(DeviceState.class);
        if (state == null) {
            throw new BlockException(Errno.EBADF,
                    action + " node '" + bs.nodeName() + "' (driver " + NAME + "): the node is not open");
        }
        return state;
    }

    private static void checkOffset(long offset, BlockNode bs, DeviceState state, String action)
            throws BlockException {
        if (offset < 0) {
            throw new BlockException(Errno.EINVAL, what(action, bs, state) + ": negative offset " + offset);
        }
    }

    /** The start of every I/O message: what failed, on which node, through which driver and device. */
    private static String what(String action, BlockNode bs, DeviceState state) {
        return action + " node '" + bs.nodeName() + "' (driver " + NAME + ", " + state.filename() + ")";
    }
}
