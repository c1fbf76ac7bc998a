package org.blocklayer.driver.nbd.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.annotation.IoCode;
import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.driver.AioContextAttach;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * Protocol driver {@code nbd}: an NBD client, QEMU's {@code bdrv_nbd} (block/nbd.c, nbd/client.c). The length is
 * the export size from the handshake, never asked again. Requests run on the node's AioContext: non-blocking
 * socket, one reply reader per connection, up to 16 requests in flight. When the node moves to another context,
 * the socket's fd handler and the timeout check move with it ({@link AioContextAttach}).
 *
 * <p>Flags of {@link #coPwritev}: {@link #REQ_FUA} (QEMU's {@code BDRV_REQ_FUA}, 0x10). Discard and write-zeroes
 * are not in the SPI yet; {@link #coPdiscard} and {@link #coPwriteZeroes} are ready for it.
 */
@Component(service = BlockDriver.class, property = BlockDriver.FORMAT_PROPERTY + "=" + NbdDriver.NAME)
public final class NbdDriver implements BlockDriver, GetLength, AioContextAttach {

    static final String NAME = "nbd";
    /** QEMU's {@code BDRV_REQ_FUA}, until the SPI names request flags. */
    public static final int REQ_FUA = Transfers.REQ_FUA;
    /** QEMU's {@code BDRV_REQ_MAY_UNMAP}, for {@link #coPwriteZeroes}. */
    public static final int REQ_MAY_UNMAP = Transfers.REQ_MAY_UNMAP;
    /** QEMU's {@code BDRV_REQ_NO_FALLBACK}, for {@link #coPwriteZeroes}. */
    public static final int REQ_NO_FALLBACK = Transfers.REQ_NO_FALLBACK;

    private final CoroutineScheduler scheduler;

    @Activate
    public NbdDriver(@Reference CoroutineScheduler scheduler) {
        this.scheduler = scheduler;
    }

    @Override
    public String formatName() {
        return NAME;
    }

    @Override
    public String protocolName() {
        return NAME;
    }

    /** {@code nbd_parse_filename}: nbd://, nbd+tcp://, nbd+unix:// URIs and QEMU's legacy nbd:host:port form. */
    @Override
    public void parseFilename(String filename, BlockOptions options) throws BlockException {
        NbdUri.parse(filename, options);
    }

    /**
     * {@code nbd_open}: connects and negotiates within {@code timeout}. As {@code nbd_do_establish_connection}, the
     * blocking connection runs on a worker thread while the node's context polls in a co_wrapper: the loop keeps
     * serving its sockets, so the server may be this very process (an export of this graph). A read-only export opened read-write fails as in QEMU
     * ({@code bdrv_apply_auto_read_only}: EACCES).
     */
    @Override
    @GlobalStateCode
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        NbdConfig config = NbdConfig.take(options);
        if (!options.isEmpty()) {
            // Core would refuse the leftover after open; refusing before connecting spares the server a client.
            throw new BlockException(Errno.EINVAL, "Block protocol '" + NAME + "' doesn't support the option '"
                    + options.keys().iterator().next() + "'");
        }
        Connector.Session session = scheduler.coWrapperMixed(bs.aioContext(), () -> Connector.coConnect(config,
                scheduler.currentContext()));
        boolean writable = (flags & OpenFlags.RDWR) != 0;
        if (writable && session.info().readOnly()) {
            session.disconnect();
            throw new BlockException(Errno.EACCES, "NBD export is read-only: " + config.describe()
                    + " (open the node read-only)");
        }
        NbdClient client = new NbdClient(scheduler, config, session, writable, bs::aioContext);
        bs.setOpaque(new NbdState(client, new Transfers(client)));
        bs.setTotalSectors((session.info().size() + BlockNode.SECTOR_SIZE - 1) / BlockNode.SECTOR_SIZE);
    }

    /** {@code nbd_close}: {@code NBD_CMD_DISC}, then the socket is closed. */
    @Override
    @GlobalStateCode
    public void close(DriverNode bs) {
        NbdState state = bs.opaque(NbdState.class);
        if (state != null) {
            state.client().close();
        }
    }

    /** {@code nbd_detach_aio_context}: the socket's fd handler leaves the old context, in its thread. */
    @Override
    @IoCode
    public void detachAioContext(DriverNode bs) {
        NbdState state = bs.opaque(NbdState.class);
        if (state != null) {
            state.client().detachAioContext();
        }
    }

    /** {@code nbd_attach_aio_context}: the socket is watched from the new context, in its thread. */
    @Override
    @IoCode
    public void attachAioContext(DriverNode bs, AioContext newContext) {
        NbdState state = bs.opaque(NbdState.class);
        if (state != null) {
            state.client().attachAioContext(newContext);
        }
    }

    /** {@code nbd_co_getlength}: the export size the handshake reported; no round trip. */
    @Override
    @CoroutineFn
    @GraphRdlock
    public long coGetLength(DriverNode bs) throws BlockException {
        return state(bs).client().info().size();
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        try {
            state(bs).io().read(offset, buf);
        } catch (BlockException e) {
            throw named(bs, e);
        }
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coPwritev(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        try {
            state(bs).io().write(offset, buf, flags);
        } catch (BlockException e) {
            throw named(bs, e);
        }
    }

    @Override
    @CoroutineFn
    @GraphRdlock
    public void coFlush(DriverNode bs) throws BlockException {
        try {
            state(bs).io().flush();
        } catch (BlockException e) {
            throw named(bs, e);
        }
    }

    /** {@code nbd_client_co_pdiscard}, for when the SPI gains {@code bdrv_co_pdiscard}. */
    @CoroutineFn
    @GraphRdlock
    public void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException {
        try {
            state(bs).io().trim(offset, bytes, 0);
        } catch (BlockException e) {
            throw named(bs, e);
        }
    }

    /** {@code nbd_client_co_pwrite_zeroes}, for when the SPI gains {@code bdrv_co_pwrite_zeroes}. */
    @CoroutineFn
    @GraphRdlock
    public void coPwriteZeroes(DriverNode bs, long offset, long bytes, int flags) throws BlockException {
        try {
            state(bs).io().writeZeroes(offset, bytes, flags);
        } catch (BlockException e) {
            throw named(bs, e);
        }
    }

    private static NbdState state(DriverNode bs) throws BlockException {
        NbdState state = bs.opaque(NbdState.class);
        if (state == null) {
            throw new BlockException(Errno.EBADF, bs.nodeName(), NAME, "the node is not open");
        }
        return state;
    }

    /** I/O errors name the node and the driver (X4); their detail names export and server. */
    private static BlockException named(DriverNode bs, BlockException e) {
        return e.node() != null ? e : e.withNode(bs.nodeName(), NAME);
    }

    /** The node's opaque state: the client and its request mapping. */
    record NbdState(NbdClient client, Transfers io) {
    }
}
