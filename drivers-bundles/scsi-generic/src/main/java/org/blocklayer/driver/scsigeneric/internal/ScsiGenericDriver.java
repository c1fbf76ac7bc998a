package org.blocklayer.driver.scsigeneric.internal;

import java.io.IOException;
import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.posix.ProtocolIo;
import org.osgi.service.component.annotations.Component;

/**
 * Protocol driver {@code scsi-generic} for Linux SCSI generic devices ({@code /dev/sg*}). In QEMU, host_device opens
 * them and sets {@code bs->sg} when {@code hdev_is_sg} says so (B18); blocklayer gives them their own driver. The node
 * is marked sg, so core never asks the driver for its length (B2): the length is the {@code size} hint given at
 * open. {@link #coGetLength} still answers, with READ CAPACITY over SG_IO, for whoever asks the driver directly.
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + ScsiGenericDriver.NAME)
public final class ScsiGenericDriver implements BlockDriver, GetLength {

    static final String NAME = "scsi-generic";

    private static final ProtocolIo IO = new ProtocolIo(NAME, "device");

    /** How open asks a device whether it is sg: the kernel, unless a test answers instead. */
    private final SgIoctls ioctls;

    public ScsiGenericDriver() {
        this(SgIoctls.LINUX);
    }

    ScsiGenericDriver(SgIoctls ioctls) {
        this.ioctls = ioctls;
    }

    @Override
    public String formatName() {
        return NAME;
    }

    @Override
    public String protocolName() {
        return NAME;
    }

    /**
     * Opens and checks the device as {@code hdev_open} + {@code hdev_is_sg}: a character device on which
     * SG_GET_VERSION_NUM and then SG_GET_SCSI_ID succeed. Options: {@code filename} (required), {@code size} (the
     * length hint, default 0, rounded up to whole sectors).
     */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        String filename = options.takeString("filename");
        if (filename == null) {
            throw new BlockException(Errno.EINVAL, "The '" + NAME + "' block driver requires a file name");
        }
        Long size = options.takeSize("size");
        long hint = size == null ? 0 : size;
        attach(bs, SgOpener.open(filename, (flags & OpenFlags.RDWR) != 0, ioctls), hint);
    }

    /** What open leaves on the node once the device proved to be sg: state, {@code sg = true}, the length hint. */
    private static void attach(DriverNode bs, SgState state, long sizeHint) {
        bs.setOpaque(state);
        bs.setSg(true);
        bs.setTotalSectors(Math.ceilDiv(sizeHint, BlockNode.SECTOR_SIZE));
    }

    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        ProtocolIo.close(bs, SgState.class, SgState::close);
    }

    /** READ CAPACITY(16), falling back to (10), over SG_IO on a worker thread. Core never calls it (B2). */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        SgState state = IO.state(bs, SgState.class, "Could not get the length of");
        String what = ProtocolIo.what("Could not get the length of", state.filename());
        try {
            return CapacityProbe.bytes((cdb, length) -> bs.aioContext().threadPool()
                    .run(() -> SgCommand.read(state.fd(), cdb, length)), what);
        } catch (BlockException e) {
            throw IO.named(bs, e);
        } catch (IOException e) {
            throw IO.error(bs, what, e);
        }
    }

    /** An sg device is driven by SCSI commands (a guest's, through SG_IO), not by reads and writes. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        throw notByRequests(bs, "Could not read from", "reads");
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        throw notByRequests(bs, "Could not write to", "writes");
    }

    private static BlockException notByRequests(DriverNode bs, String action, String requests) throws BlockException {
        SgState state = IO.state(bs, SgState.class, action);
        return IO.error(bs, Errno.ENOTSUP, ProtocolIo.what(action, state.filename())
                + ": a SCSI generic device takes SCSI commands, not " + requests);
    }
}
