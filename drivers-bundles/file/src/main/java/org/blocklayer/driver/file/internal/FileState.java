package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.blocklayer.posix.AioMode;
import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.NodeLocks;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.ProtocolFile;

/**
 * The per-node state of the {@code file} driver, QEMU's {@code BDRVRawState} reduced to what regular files need. Every
 * call goes through the posix bundle's FFM bindings, so a failure carries the errno the kernel set (ENOSPC for a full
 * file system, EIO for a bad sector), as QEMU reports it.
 *
 * @param filename the filename as the user gave it, for messages
 * @param fd       the open file ({@code s->fd}): opened O_DIRECT with {@code cache.direct=on}; length, flush,
 *                 truncate, fallocate and lseek(SEEK_DATA/SEEK_HOLE) go through it too, as they act on the file
 *                 whatever the descriptor's flags
 * @param io       the reads and writes on {@code fd}: aligned to the O_DIRECT block size with {@code cache.direct},
 *                 else to 1
 * @param direct   whether {@code fd} was opened O_DIRECT ({@code cache.direct=on})
 * @param writable whether the file was opened read-write ({@code O_RDWR})
 * @param unmap    {@code discard=unmap}: discard requests punch holes ({@code BDRV_O_UNMAP})
 * @param locks    the node's image locks ({@code locking=auto|on}), or null with {@code locking=off}
 * @param aioMode  {@code aio=threads|io_uring} as chosen at open ({@code s->use_linux_io_uring}); null: threads
 */
record FileState(String filename, Fd fd, AlignedIo io, boolean direct, boolean writable, boolean unmap,
        NodeLocks locks, AioMode aioMode) implements ProtocolFile {

    /** The same state, with its image locks. */
    FileState withLocks(NodeLocks nodeLocks) {
        return new FileState(filename, fd, io, direct, writable, unmap, nodeLocks, aioMode);
    }

    /** The same state, with its I/O backend. */
    FileState withAio(AioMode mode) {
        return new FileState(filename, fd, io, direct, writable, unmap, locks, mode);
    }

    /** {@code bs->bl.request_alignment}: the O_DIRECT alignment, else 1. */
    int alignment() {
        return io.alignment();
    }

    /** {@code raw_co_getlength}: {@code lseek(fd, 0, SEEK_END)}, as QEMU asks it. */
    @Override
    public long length() throws IOException {
        return Posix.seekEnd(fd);
    }

    /**
     * Fills all of {@code buf} from {@code offset}; past the end of the file the rest is zeros, as QEMU's
     * handle_aiocb_rw pads a short read. Blocking: on a worker thread.
     */
    @Override
    public void read(long offset, ByteBuffer buf) throws IOException {
        io.read(offset, buf);
    }

    /** Writes all of {@code buf} at {@code offset}; fewer bytes only when the system took nothing more. Blocking. */
    @Override
    public long write(long offset, ByteBuffer buf) throws IOException {
        return io.write(offset, buf);
    }

    /** {@code handle_aiocb_flush}: fdatasync. */
    @Override
    public void flush() throws IOException {
        Posix.fdatasync(fd);
    }

    /** {@code raw_close}: never throws, since close must not fail and there is nobody to tell. */
    void close() {
        fd.close();
        if (locks != null) {
            locks.close();
        }
    }
}
