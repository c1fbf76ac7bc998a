package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

import org.blocklayer.posix.AlignedIo;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.NodeLocks;
import org.blocklayer.posix.ProtocolFile;

/**
 * The per-node state of the {@code file} driver, QEMU's {@code BDRVRawState} reduced to what regular files need.
 *
 * @param filename the filename as the user gave it, for messages
 * @param channel  the open file ({@code s->fd}); with O_DIRECT it still serves length, flush and truncate, which
 *                 act on the file, whatever descriptor asks
 * @param writable whether the file was opened read-write ({@code O_RDWR})
 * @param direct   with {@code cache.direct=on}, the same file opened O_DIRECT, which carries every read and write;
 *                 else null
 * @param fd       the descriptor fallocate and lseek(SEEK_DATA/SEEK_HOLE) go through, which a FileChannel does not
 *                 give out: the O_DIRECT one with {@code cache.direct}, else one of its own, opened like the channel
 * @param unmap    {@code discard=unmap}: discard requests punch holes ({@code BDRV_O_UNMAP})
 * @param locks    the node's image locks ({@code locking=auto|on}), or null with {@code locking=off}
 */
record FileState(String filename, FileChannel channel, boolean writable, AlignedIo direct, Fd fd, boolean unmap,
        NodeLocks locks) implements ProtocolFile {

    /** The same state, with its image locks. */
    FileState withLocks(NodeLocks nodeLocks) {
        return new FileState(filename, channel, writable, direct, fd, unmap, nodeLocks);
    }

    /** {@code bs->bl.request_alignment}: the O_DIRECT alignment, else 1. */
    int alignment() {
        return direct != null ? direct.alignment() : 1;
    }

    /** fstat of the open file, whatever descriptor does the I/O. */
    @Override
    public long length() throws IOException {
        return channel.size();
    }

    /**
     * Fills all of {@code buf} from {@code offset}; past the end of the file the rest is zeros, as QEMU's
     * handle_aiocb_rw pads a short read. Blocking: on a worker thread.
     */
    @Override
    public void read(long offset, ByteBuffer buf) throws IOException {
        if (direct != null) {
            direct.read(offset, buf);
            return;
        }
        PositionalIo.read(channel, offset, buf);
        PositionalIo.zeroFill(buf);
    }

    /** Writes all of {@code buf} at {@code offset}; fewer bytes only when the system took nothing more. Blocking. */
    @Override
    public long write(long offset, ByteBuffer buf) throws IOException {
        return direct != null ? direct.write(offset, buf) : PositionalIo.write(channel, offset, buf);
    }

    /** fdatasync through the channel: it acts on the file, whichever descriptor wrote. */
    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    /** {@code raw_close}: never throws, since close must not fail and there is nobody to tell. */
    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // close(2) errors on a regular file carry nothing the block layer could act on.
        }
        if (direct != null) {
            direct.fd().close();
        }
        fd.close();
        if (locks != null) {
            locks.close();
        }
    }
}
