package org.blocklayer.posix;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.function.Consumer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;

/**
 * The request paths that QEMU's block/file-posix.c gives every POSIX protocol driver: {@code raw_co_getlength},
 * {@code raw_co_preadv}, {@code raw_co_pwritev} and {@code raw_co_flush_to_disk} over an open {@link ProtocolFile},
 * with their checks, the hop to the node's worker pool or its context's io_uring ring, and their errors: each names the node and the driver, its
 * detail of the form {@code <action> '<filename>': <reason>}. A driver keeps one, made with its name, and calls it
 * from its own callbacks once it has found its state.
 */
public final class ProtocolIo {
    private final String driver;
    private final String kind;

    /**
     * @param driver the driver's format name, as messages show it
     * @param kind   what the driver opens, "file" or "device", as the read-only refusal says it
     */
    public ProtocolIo(String driver, String kind) {
        this.driver = driver;
        this.kind = kind;
    }

    /** The driver's state on {@code bs}, or EBADF {@code <action> it: the node is not open}. */
    public <S> S state(DriverNode bs, Class<S> type, String action) throws BlockException {
        S state = bs.opaque(type);
        if (state == null) {
            throw error(bs, Errno.EBADF, action + " it: the node is not open");
        }
        return state;
    }

    /**
     * {@code raw_close}: hands the driver's state on {@code bs} to {@code close}, when there is one (a node whose
     * open failed has none). {@code close} must not fail: closing a node cannot.
     */
    public static <S> void close(DriverNode bs, Class<S> type, Consumer<? super S> close) {
        S state = bs.opaque(type);
        if (state != null) {
            close.accept(state);
        }
    }

    /**
     * {@code raw_get_specific_info}'s place for a POSIX node: its I/O backend as {@link AioMode#describe()} says it,
     * nothing for a node without state or backend.
     */
    public static <S extends ProtocolFile> Map<String, String> formatSpecific(DriverNode bs, Class<S> type) {
        S state = bs.opaque(type);
        return state == null || state.aioMode() == null ? Map.of()
                : Map.of("aio", state.aioMode().describe());
    }

    /** The start of every detail about a request: what failed on which file. */
    public static String what(String action, String filename) {
        return action + " '" + filename + "'";
    }

    /** {@link #what(String, String)} for a range: "... at offset O, N bytes". */
    public static String what(String action, String filename, long offset, long bytes) {
        return what(action, filename) + " at offset " + offset + ", " + bytes + " bytes";
    }

    /** A failure of {@code bs} through this driver. */
    public BlockException error(BlockNode bs, Errno errno, String detail) {
        return new BlockException(errno, bs.nodeName(), driver, detail);
    }

    /** {@code e} said of {@code bs} and this driver, unless it names a node already. */
    public BlockException named(BlockNode bs, BlockException e) {
        return e.node() != null ? e : e.withNode(bs.nodeName(), driver);
    }

    /**
     * The failure of a call on {@code bs} through this driver: {@code <what>: <reason>} with the call's errno
     * ({@link PosixException#toBlockException(String, IOException)}).
     */
    public BlockException error(BlockNode bs, String what, IOException e) {
        return PosixException.toBlockException(what, e).withNode(bs.nodeName(), driver);
    }

    /** {@code raw_co_getlength}: asked on the context thread, as QEMU does; the call is quick. */
    public long getLength(BlockNode bs, ProtocolFile file) throws BlockException {
        try {
            return file.length();
        } catch (IOException e) {
            throw error(bs, what("Could not get the length of", file.filename()), e);
        }
    }

    /** {@code raw_co_preadv}: a read past the end reads zeros. */
    @CoroutineFn
    public void preadv(BlockNode bs, ProtocolFile file, long offset, ByteBuffer buf) throws BlockException {
        String action = "Could not read from";
        checkOffset(action, bs, file, offset);
        try {
            LuringState ring = ring(bs, file, offset, buf.remaining());
            if (ring != null) {
                Luring.read(ring, file.io(), offset, buf);
                return;
            }
            bs.aioContext().threadPool().run(() -> {
                file.read(offset, buf);
                return null;
            });
        } catch (IOException e) {
            throw error(bs, what(action, file.filename()), e);
        }
    }

    /** {@code raw_co_pwritev}: refused on a read-only node; a short write is EINVAL, as handle_aiocb_rw makes it. */
    @CoroutineFn
    public void pwritev(BlockNode bs, ProtocolFile file, long offset, ByteBuffer buf) throws BlockException {
        String action = "Could not write to";
        checkOffset(action, bs, file, offset);
        requireWritable(action, bs, file);
        int wanted = buf.remaining();
        long written;
        try {
            LuringState ring = ring(bs, file, offset, wanted);
            written = ring != null ? Luring.write(ring, file.io(), offset, buf)
                    : bs.aioContext().threadPool().run(() -> file.write(offset, buf));
        } catch (IOException e) {
            throw error(bs, what(action, file.filename()), e);
        }
        if (written < wanted) {
            throw error(bs, Errno.EINVAL, what(action, file.filename()) + ": short write (" + written + " of "
                    + wanted + " bytes)");
        }
    }

    /** {@code raw_co_flush_to_disk}: on a worker thread; a read-only node flushes too. */
    @CoroutineFn
    public void flush(BlockNode bs, ProtocolFile file) throws BlockException {
        try {
            LuringState ring = ring(bs, file, 0, 0);
            if (ring != null) {
                Luring.flush(ring, file.io().fd());
                return;
            }
            bs.aioContext().threadPool().run(() -> {
                file.flush();
                return null;
            });
        } catch (IOException e) {
            throw error(bs, what("Could not flush", file.filename()), e);
        }
    }

    /**
     * {@code raw_co_pdiscard} for a POSIX node: ENOTSUP without {@code discard=unmap}, EBADF on a read-only one,
     * else {@code call} (a hole punch, BLKDISCARD) on a worker thread; its answer false is ENOTSUP saying
     * {@code unsupported}.
     */
    @CoroutineFn
    public void discard(BlockNode bs, ProtocolFile file, boolean unmap, long offset, long bytes, RangeCall call,
            String unsupported) throws BlockException {
        String action = "Could not discard";
        if (!unmap) {
            throw error(bs, Errno.ENOTSUP, what(action, file.filename(), offset, bytes)
                    + ": the node was opened with discard=ignore");
        }
        requireWritable(action, bs, file);
        range(action, bs, file, offset, bytes, call, unsupported);
    }

    /**
     * A range request done by one blocking call on a worker thread (fallocate, an ioctl): its I/O error carries the
     * call's errno, its answer false (the system has no way) is ENOTSUP saying {@code unsupported}.
     */
    @CoroutineFn
    public void range(String action, BlockNode bs, ProtocolFile file, long offset, long bytes, RangeCall call,
            String unsupported) throws BlockException {
        boolean done;
        try {
            done = bs.aioContext().threadPool().run(call::run);
        } catch (IOException e) {
            throw error(bs, what(action, file.filename(), offset, bytes), e);
        }
        if (!done) {
            throw error(bs, Errno.ENOTSUP, what(action, file.filename(), offset, bytes) + ": " + unsupported);
        }
    }

    /** A blocking call on a range that answers whether the system could do it. */
    @FunctionalInterface
    public interface RangeCall {
        boolean run() throws IOException;
    }

    /**
     * EBADF for a change to a node opened read-only, before any system call: what write(2) on an O_RDONLY
     * descriptor says (and FileChannel would throw an unchecked NonWritableChannelException instead).
     */
    public void requireWritable(String action, BlockNode bs, ProtocolFile file) throws BlockException {
        if (!file.writable()) {
            throw error(bs, Errno.EBADF, what(action, file.filename()) + ": " + Errno.EBADF.description()
                    + " (the " + kind + " was opened read-only)");
        }
    }

    /** The ring this request goes to ({@code raw_co_prw}'s {@code s->use_linux_io_uring} branch), or null. */
    private LuringState ring(BlockNode bs, ProtocolFile file, long offset, int length) {
        AioMode mode = file.aioMode();
        AlignedIo io = file.io();
        if (mode == null || io == null || !Luring.fits(io, offset, length)) {
            return null;
        }
        return mode.ring(bs, driver);
    }

    private void checkOffset(String action, BlockNode bs, ProtocolFile file, long offset) throws BlockException {
        if (offset < 0) {
            throw error(bs, Errno.EINVAL, what(action, file.filename()) + ": negative offset " + offset);
        }
    }
}
