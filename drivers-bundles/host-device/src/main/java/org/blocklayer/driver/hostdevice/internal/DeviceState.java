package org.blocklayer.driver.hostdevice.internal;

import java.nio.ByteBuffer;

import org.blocklayer.posix.AioMode;
import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.NodeLocks;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolFile;

/**
 * The per-node state of the {@code host_device} driver, QEMU's {@code BDRVRawState} reduced to what block devices
 * need.
 *
 * @param filename the path as the user gave it, for messages
 * @param io       reads and writes on the open device ({@code s->fd}); its alignment is the logical block size
 *                 with O_DIRECT, else 1 ({@code bs->bl.request_alignment})
 * @param writable opened O_RDWR
 * @param direct   opened O_DIRECT ({@code cache.direct=on})
 * @param unmap    {@code discard=unmap}: discard requests go to the device as BLKDISCARD ({@code BDRV_O_UNMAP})
 * @param locks    the node's image locks ({@code locking=auto|on}), or null with {@code locking=off}
 * @param aioMode  {@code aio=threads|io_uring} as chosen at open ({@code s->use_linux_io_uring}); null: threads
 */
record DeviceState(String filename, AlignedIo io, boolean writable, boolean direct, boolean unmap, NodeLocks locks,
        AioMode aioMode) implements ProtocolFile {

    /** The same state, with its image locks. */
    DeviceState withLocks(NodeLocks nodeLocks) {
        return new DeviceState(filename, io, writable, direct, unmap, nodeLocks, aioMode);
    }

    /** The same state, with its I/O backend. */
    DeviceState withAio(AioMode mode) {
        return new DeviceState(filename, io, writable, direct, unmap, locks, mode);
    }

    /** The open device. */
    Fd fd() {
        return io.fd();
    }

    int alignment() {
        return io.alignment();
    }

    /** QEMU's {@code raw_getlength} for a device: {@code lseek(fd, 0, SEEK_END)}. */
    @Override
    public long length() throws PosixException {
        return Posix.seekEnd(fd());
    }

    @Override
    public void read(long offset, ByteBuffer buf) throws PosixException {
        io.read(offset, buf);
    }

    /** Past the end of the device the kernel answers ENOSPC. */
    @Override
    public long write(long offset, ByteBuffer buf) throws PosixException {
        return io.write(offset, buf);
    }

    @Override
    public void flush() throws PosixException {
        Posix.fdatasync(fd());
    }

    /** {@code raw_close}: closes the descriptor once, after any call still running on it. */
    void close() {
        io.fd().close();
        if (locks != null) {
            locks.close();
        }
    }
}
