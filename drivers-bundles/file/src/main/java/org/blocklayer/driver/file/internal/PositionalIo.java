package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Positional transfers that loop until done, as QEMU's {@code handle_aiocb_rw_linear} loops on pread/pwrite.
 * Blocking: runs on a worker thread, never on a context's thread.
 */
final class PositionalIo {

    private static final byte[] ZEROS = new byte[4096];

    private PositionalIo() {
    }

    /** Reads into {@code buf} from {@code position} until it is full or the file ends; returns the bytes read. */
    static int read(FileChannel channel, long position, ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, position + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Writes all of {@code buf} at {@code position}; returns fewer bytes only when the system wrote nothing. */
    static int write(FileChannel channel, long position, ByteBuffer buf) throws IOException {
        int total = 0;
        while (buf.hasRemaining()) {
            int n = channel.write(buf, position + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    /** Fills what is left of {@code buf} with zeros: QEMU pads a short read of a regular file (handle_aiocb_rw). */
    static void zeroFill(ByteBuffer buf) {
        while (buf.hasRemaining()) {
            buf.put(ZEROS, 0, Math.min(ZEROS.length, buf.remaining()));
        }
    }
}
