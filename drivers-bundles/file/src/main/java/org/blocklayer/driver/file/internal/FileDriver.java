package org.blocklayer.driver.file.internal;

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
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolOptions;
import org.osgi.service.component.annotations.Component;

/** Protocol driver {@code file} for regular files: QEMU's {@code bdrv_file} (block/file-posix.c). */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + FileDriver.NAME)
public final class FileDriver implements BlockDriver {

    static final String NAME = "file";

    @Override
    public String formatName() {
        return NAME;
    }

    @Override
    public String protocolName() {
        return NAME;
    }

    @Override
    public boolean hasGetLength() {
        return true;
    }

    /**
     * {@code raw_open} → {@code raw_open_common}. Options: {@code filename} (required), {@code aio=threads},
     * {@code cache.direct=on|off} (O_DIRECT; also taken from the NOCACHE open flag).
     */
    @Override
    @GlobalStateCode
    public void open(BlockNode bs, BlockOptions options, int flags) throws BlockException {
        bs.setOpaque(FileOpener.open(ProtocolOptions.take(NAME, options, flags)));
    }

    /** {@code raw_close}. */
    @Override
    @GlobalStateCode
    public void close(BlockNode bs) {
        FileState state = bs.opaque(FileState.class);
        if (state != null) {
            state.close();
        }
    }

    /** {@code raw_co_getlength}: fstat of the open file, cheap enough to stay on the context thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(BlockNode bs) throws BlockException {
        FileState state = state(bs);
        try {
            return state.channel().size();
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not get the length of", bs, state), e);
        }
    }

    /** {@code raw_co_preadv}: a read past the end of the file reads zeros. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(BlockNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        FileState state = state(bs);
        checkOffset(offset, bs, state, "Could not read from");
        try {
            bs.aioContext().threadPool().run(() -> {
                state.read(offset, buf);
                return null;
            });
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not read from", bs, state), e);
        }
    }

    /** {@code raw_co_pwritev}. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(BlockNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        FileState state = state(bs);
        checkOffset(offset, bs, state, "Could not write to");
        if (!state.writable()) {
            // FileChannel would throw an unchecked NonWritableChannelException; write(2) on an O_RDONLY fd is EBADF.
            throw new BlockException(Errno.EBADF, what("Could not write to", bs, state) + ": "
                    + Errno.EBADF.description() + " (the file was opened read-only)");
        }
        int wanted = buf.remaining();
        long written;
        try {
            written = bs.aioContext().threadPool().run(() -> state.write(offset, buf));
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not write to", bs, state), e);
        }
        if (written < wanted) {
            // handle_aiocb_rw turns a short write into -EINVAL.
            throw new BlockException(Errno.EINVAL, what("Could not write to", bs, state) + ": short write ("
                    + written + " of " + wanted + " bytes)");
        }
    }

    /**
     * {@code raw_co_truncate} for regular files: ftruncate on a worker thread. FileChannel only shrinks, so growing
     * writes one zero byte at the new end, which gives the same length and contents.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(BlockNode bs, long offset) throws BlockException {
        FileState state = state(bs);
        if (!state.writable()) {
            throw new BlockException(Errno.EBADF, what("Could not resize", bs, state) + ": "
                    + Errno.EBADF.description() + " (the file was opened read-only)");
        }
        try {
            bs.aioContext().threadPool().run(() -> {
                var channel = state.channel();
                long current = channel.size();
                if (offset < current) {
                    channel.truncate(offset);
                } else if (offset > current) {
                    channel.write(ByteBuffer.allocate(1), offset - 1);
                }
                return null;
            });
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not resize", bs, state), e);
        }
    }

    /** {@code raw_co_flush_to_disk}: fdatasync on a worker thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(BlockNode bs) throws BlockException {
        FileState state = state(bs);
        try {
            bs.aioContext().threadPool().run(() -> {
                state.channel().force(false);
                return null;
            });
        } catch (IOException e) {
            throw PosixException.toBlockException(what("Could not flush", bs, state), e);
        }
    }

    private static FileState state(BlockNode bs) throws BlockException {
        FileState state = bs.opaque(FileState.class);
        if (state == null) {
            throw new BlockException(Errno.EBADF, "Node '" + bs.nodeName() + "' (driver file) is not open");
        }
        return state;
    }

    private static void checkOffset(long offset, BlockNode bs, FileState state, String action)
            throws BlockException {
        if (offset < 0) {
            throw new BlockException(Errno.EINVAL, what(action, bs, state) + ": negative offset " + offset);
        }
    }

    /** The start of every I/O message: what failed, on which node, through which driver and file. */
    private static String what(String action, BlockNode bs, FileState state) {
        return action + " node '" + bs.nodeName() + "' (driver file, " + state.filename() + ")";
    }
}
