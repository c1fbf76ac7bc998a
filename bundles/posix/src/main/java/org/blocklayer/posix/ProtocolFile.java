package org.blocklayer.posix;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a POSIX protocol node ({@code file}, {@code host_device}) holds open: QEMU's {@code BDRVRawState} as the
 * request paths of {@link ProtocolIo} see it. Each driver's per-node state implements it over its own kind of
 * descriptor. {@link #read}, {@link #write} and {@link #flush} block; {@link ProtocolIo} runs them on a worker
 * thread.
 */
@ConsumerType
public interface ProtocolFile {

    /** The path as the user gave it, for messages. */
    String filename();

    /** Opened read-write ({@code O_RDWR}). */
    boolean writable();

    /** {@code raw_getlength}: the length in bytes; one quick system call (fstat, lseek), fine on a context thread. */
    long length() throws IOException;

    /** Fills all of {@code buf} from {@code offset}; past the end the rest is zeros, as handle_aiocb_rw pads. */
    void read(long offset, ByteBuffer buf) throws IOException;

    /** Writes all of {@code buf} at {@code offset}; returns the bytes written, fewer only when the system took no more. */
    long write(long offset, ByteBuffer buf) throws IOException;

    /** {@code handle_aiocb_flush}: the data written so far to stable storage (fdatasync). */
    void flush() throws IOException;

    /**
     * The node's backend: with one that {@link AioMode#isIoUring() uses io_uring}, {@link ProtocolIo} sends reads,
     * writes and flushes of {@link #io()} to the context's ring instead of calling {@link #read}, {@link #write} and
     * {@link #flush} on a worker thread. Null (the default): always the worker pool.
     *
     * @since 2.1
     */
    default AioMode aioMode() {
        return null;
    }

    /**
     * The descriptor and alignment {@link #read} and {@link #write} use, for the io_uring path; null without one.
     *
     * @since 2.1
     */
    default AlignedIo io() {
        return null;
    }

    /** The node's image locks ({@code s->use_lock}), or null when it takes none ({@code locking=off}). */
    default NodeLocks locks() {
        return null;
    }
}
