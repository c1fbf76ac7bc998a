package org.blocklayer.driver.file.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.BlockStatus;
import org.blocklayer.api.driver.CreateRequest;
import org.blocklayer.api.driver.Discard;
import org.blocklayer.api.driver.FormatInfo;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.driver.ImageCreation;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.driver.Truncate;
import org.blocklayer.api.driver.WriteZeroes;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.posix.AioMode;
import org.blocklayer.posix.ImageLocking;
import org.blocklayer.posix.NodeLocks;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;
import org.blocklayer.posix.ProtocolIo;
import org.blocklayer.posix.ProtocolOptions;
import org.osgi.service.component.annotations.Component;

/** Protocol driver {@code file} for regular files: QEMU's {@code bdrv_file} (block/file-posix.c). */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + FileDriver.NAME)
public final class FileDriver
        implements BlockDriver, GetLength, Truncate, ImageLocking, WriteZeroes, Discard, BlockStatus, ImageCreation,
        FormatInfo {

    static final String NAME = "file";

    private static final ProtocolIo IO = new ProtocolIo(NAME, "file");

    @Override
    public String formatName() {
        return NAME;
    }

    @Override
    public String protocolName() {
        return NAME;
    }

    /**
     * {@code raw_open} → {@code raw_open_common}. Options: {@code filename} (required),
     * {@code aio=threads|io_uring} (default: io_uring where the kernel allows it, see {@link AioMode}),
     * {@code cache.direct=on|off} (O_DIRECT; also taken from the NOCACHE open flag), {@code locking},
     * {@code discard=ignore|off|unmap|on} (whether discard requests punch holes).
     */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        ProtocolOptions protocol = ProtocolOptions.take(NAME, options, flags);
        boolean unmap = ProtocolOptions.takeUnmap(options, flags);
        FileState state = FileOpener.open(protocol, unmap);
        try {
            state = state.withLocks(NodeLocks.open(protocol.filename(), options));
            bs.setOpaque(state.withAio(AioMode.open(protocol.aio(), bs, NAME)));
        } catch (BlockException | RuntimeException e) {
            state.close();
            throw e;
        }
    }

    @Override
    public Class<FileState> stateType() {
        return FileState.class;
    }

    @Override
    public List<CreateOption> createOptions() {
        return FileCreate.OPTIONS;
    }

    /**
     * {@code raw_co_create_opts}: the {@code file:} prefix dropped, the size rounded up to whole sectors,
     * {@code preallocation=off|falloc|full}; then {@link FileCreate} on a worker thread.
     */
    @Override
    @CoroutineFn
    public void coCreate(CreateRequest request) throws BlockException {
        BlockOptions options = request.options();
        String filename = request.filename().startsWith(NAME + ":")
                ? request.filename().substring(NAME.length() + 1) : request.filename();
        Long size = options.takeSize(CreateOption.SIZE);
        long bytes = FileCreate.roundUp(size == null ? 0 : size);
        FileCreate.Preallocation prealloc =
                FileCreate.Preallocation.parse(options.takeString(FileCreate.PREALLOCATION));
        BlockException failure;
        try {
            failure = request.aioContext().threadPool().run(() -> {
                try {
                    FileCreate.create(filename, bytes, prealloc);
                    return null;
                } catch (BlockException e) {
                    return e;
                }
            });
        } catch (IOException e) {
            throw PosixException.toBlockException("Could not create '" + filename + "'", e);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** {@code raw_get_specific_info}'s place: the node's I/O backend, as {@link AioMode#describe()} says it. */
    @Override
    @GlobalStateCode
    public Map<String, String> formatSpecific(DriverNode bs) {
        return ProtocolIo.formatSpecific(bs, FileState.class);
    }

    /** {@code raw_close}. */
    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        ProtocolIo.close(bs, FileState.class, FileState::close);
    }

    /** {@code raw_co_getlength}: fstat of the open file, cheap enough to stay on the context thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        return IO.getLength(bs, state(bs));
    }

    /** {@code raw_co_preadv}: a read past the end of the file reads zeros. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        IO.preadv(bs, state(bs), offset, buf);
    }

    /** {@code raw_co_pwritev}; past the end the file grows. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        IO.pwritev(bs, state(bs), offset, buf);
    }

    /** {@code raw_co_truncate} for regular files: ftruncate on a worker thread; a file grows by a hole. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coTruncate(DriverNode bs, long offset) throws BlockException {
        FileState state = state(bs);
        IO.requireWritable("Could not resize", bs, state);
        try {
            bs.aioContext().threadPool().run(() -> {
                Posix.ftruncate(state.fd(), offset);
                return null;
            });
        } catch (IOException e) {
            throw IO.error(bs, ProtocolIo.what("Could not resize", state.filename()), e);
        }
    }

    /** {@code raw_co_flush_to_disk}: fdatasync on a worker thread. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(DriverNode bs) throws BlockException {
        IO.flush(bs, state(bs));
    }

    /**
     * {@code raw_co_pwrite_zeroes}: fallocate on a worker thread, in QEMU's order ({@link Fallocate#zeroes}); with
     * MAY_UNMAP a hole is punched first. ENOTSUP when the file system has no way, so that the core writes zeros.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException {
        FileState state = state(bs);
        String action = "Could not write zeroes to";
        IO.requireWritable(action, bs, state);
        boolean mayUnmap = flags.contains(RequestFlag.MAY_UNMAP);
        IO.range(action, bs, state, offset, bytes, () -> Fallocate.zeroes(state.fd(), offset, bytes, mayUnmap),
                "the file system supports no fallocate mode that zeroes");
    }

    /**
     * {@code raw_co_pdiscard}: with {@code discard=unmap}, punches a hole on a worker thread, the size unchanged;
     * with {@code discard=ignore} (the default), or where the file system cannot punch holes, ENOTSUP.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
        FileState state = state(bs);
        IO.discard(bs, state, state.unmap(), offset, bytes, () -> Fallocate.discard(state.fd(), offset, bytes),
                "the file system cannot punch holes");
    }

    /**
     * {@code raw_co_block_status}: without {@code wantZero} all of the range is DATA|OFFSET_VALID; with it, data and
     * holes from lseek(SEEK_DATA/SEEK_HOLE) ({@link Allocation#status}), on the node's event loop as QEMU calls
     * them: two lseeks cost microseconds, a worker round trip tens of them, and an NBD export asks for the status
     * before every read (itests/bench/RESULTS.md, suite export). Never fails: what lseek cannot tell is data.
     */
    @Override
    @CoroutineFn
    @GraphRdlock
    public Status coBlockStatus(DriverNode bs, boolean wantZero, long offset, long bytes) throws BlockException {
        FileState state = state(bs);
        if (!wantZero) {
            return new Status(Status.DATA | Status.OFFSET_VALID, bytes, offset, bs);
        }
        return Allocation.status(bs, state.fd(), offset, bytes, state.alignment());
    }

    private static FileState state(DriverNode bs) throws BlockException {
        FileState state = bs.opaque(FileState.class);
        if (state == null) {
            throw IO.error(bs, Errno.EBADF, "the node is not open");
        }
        return state;
    }
}
