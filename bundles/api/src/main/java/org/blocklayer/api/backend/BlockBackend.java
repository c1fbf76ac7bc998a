package org.blocklayer.api.backend;

import java.nio.ByteBuffer;
import java.util.Set;

import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.Permission;
import org.osgi.annotation.versioning.ProviderType;

/**
 * A handle on one root node ({@code BlockBackend}, block/block-backend.c): named or anonymous, it takes permissions on
 * its node and shares a set, and it is the one way into the node for code outside the graph.
 *
 * <p>The rule for every call, from any thread: it runs as a coroutine in the node's AioContext, and the calling
 * thread waits for its end ({@code blk_pread} and friends). A request that arrives while the node is in a drained
 * section waits, not counted as in flight, and runs once the section ends ({@code blk_wait_while_drained}).
 * Without a medium (its driver went away) requests wait up to the graph's detach timeout for it to come back, then
 * fail with ENOMEDIUM.
 */
@ProviderType
public interface BlockBackend extends AutoCloseable {

    /** The backend's name ({@code blk_name}), or "" for an anonymous one. */
    String name();

    /** The root node's name. */
    String nodeName();

    /** The permissions this backend takes on its node. */
    Set<Permission> permissions();

    /** The permissions it lets other users of the node take. */
    Set<Permission> sharedPermissions();

    /**
     * {@code blk_set_perm}: takes and shares another set, checked against every other user of the node and through
     * the graph below it; on a conflict nothing changes (EPERM, or EAGAIN for an image lock another process holds).
     */
    void setPermissions(Set<Permission> taken, Set<Permission> shared) throws BlockException;

    /** {@code blk_getlength}. */
    long getLength() throws BlockException;

    /** {@code blk_pread}: {@code buf.remaining()} bytes at {@code offset}. Needs consistent read or nothing. */
    void pread(long offset, ByteBuffer buf) throws BlockException;

    /** {@code blk_pwrite}: needs the write permission (EPERM without it). */
    void pwrite(long offset, ByteBuffer buf) throws BlockException;

    /**
     * {@code blk_pwrite} with request flags, {@link RequestFlag#FUA} for a write on stable storage when it
     * completes; needs the write permission.
     *
     * @since 1.1
     */
    void pwrite(long offset, ByteBuffer buf, Set<RequestFlag> flags) throws BlockException;

    /**
     * {@code blk_pwrite_zeroes}: needs the write permission. Where the driver cannot write zeroes as such, a buffer of
     * zeroes is written instead, unless {@code flags} holds NO_FALLBACK (then ENOTSUP).
     */
    void pwriteZeroes(long offset, long bytes, Set<RequestFlag> flags) throws BlockException;

    /**
     * {@code blk_pdiscard}: needs the write permission; EPERM on a read-only node; a driver that cannot discard
     * makes it succeed doing nothing.
     */
    void pdiscard(long offset, long bytes) throws BlockException;

    /**
     * The map of {@code bytes} from {@code offset} ({@code qemu-img map}): consecutive extents of the same kind
     * merged, as qemu-img merges them.
     */
    java.util.List<MapEntry> map(long offset, long bytes) throws BlockException;

    /** {@code blk_flush}. */
    void flush() throws BlockException;

    /** {@code blk_truncate}: needs the resize permission (EPERM without it); the new length. */
    long truncate(long length) throws BlockException;

    /**
     * {@code blk_set_allow_aio_context_change}: whether the node may move to another AioContext while this backend
     * is attached. Allowed unless forbidden: each request of a backend runs in its node's context wherever that is. A
     * user whose own work stays in the context it began in (an NBD export's client sockets) forbids it; moving the
     * node then fails with EBUSY naming this backend's user, as QEMU's {@code blk_root_can_set_aio_ctx}.
     *
     * @since 1.2
     */
    void setAllowAioContextChange(boolean allow);

    /** Whether {@link #setAllowAioContextChange} allows moves (true unless forbidden). @since 1.2 */
    boolean allowsAioContextChange();

    /**
     * {@code blk_set_dev_ops}: {@code ops} hears the node's drained sections and AioContext moves from now on, until
     * replaced (null: nobody). @since 1.2
     */
    void setDevOps(BlockDevOps ops);

    /**
     * {@code blk_set_disable_request_queuing}: with {@code true}, a request that arrives while the node is drained
     * runs at once instead of waiting for the section to end. For a user that stops its own requests in
     * {@link BlockDevOps#drainedBegin} and whose {@link BlockDevOps#drainedPoll} counts the ones already received (an
     * export): queued, they would keep the drain waiting for ever. @since 1.2
     */
    void setDisableRequestQueuing(boolean disable);

    /**
     * {@code blk_unref}: detaches the backend from its node and gives up its permissions. The node stays open (its
     * owner closes it). Closing twice does nothing.
     */
    @Override
    void close();
}
