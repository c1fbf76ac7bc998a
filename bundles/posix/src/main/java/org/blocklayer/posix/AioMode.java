package org.blocklayer.posix;

import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.coroutine.AioContext;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.posix.internal.Ring;

/**
 * The I/O backend of one POSIX protocol node: QEMU's {@code BDRVRawState.use_linux_io_uring} with
 * {@code raw_open_common}'s check and {@code raw_aio_attach_aio_context}'s fallback. {@code aio=io_uring} asked for
 * explicitly must work at open or the open fails; the default (no {@code aio}) takes io_uring where the kernel
 * allows it and otherwise the worker pool, logging why once per reason. A node that later meets a context where no
 * ring can be made falls back to the worker pool there, logged the same way. {@link #describe()} is what
 * {@code block:info} shows.
 */
public final class AioMode {
    private static final System.Logger LOG = System.getLogger("org.blocklayer.posix");
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private volatile boolean uring;
    private volatile String unavailable;

    private AioMode(boolean uring, String unavailable) {
        this.uring = uring;
        this.unavailable = unavailable;
    }

    /** {@code aio=threads}: the worker pool, never io_uring. */
    public static AioMode threads() {
        return new AioMode(false, null);
    }

    /**
     * Chooses the backend of {@code bs} (in its context at open) for the {@code aio} option: null (the default),
     * {@code threads} or {@code io_uring}, as {@link ProtocolOptions} checked it.
     *
     * @throws BlockException for {@code aio=io_uring} where no ring can be made: {@code Unable to use io_uring:
     *                        failed to init linux io_uring ring: <reason>}, with the errno that refused it
     */
    public static AioMode open(String aio, BlockNode bs, String driver) throws BlockException {
        if ("threads".equals(aio)) {
            return threads();
        }
        PosixException refused;
        try {
            refused = probe(bs.aioContext());
        } catch (UnsupportedOperationException noLoop) {
            // Not the kernel's answer but a context without a loop of its own: nothing to tell an administrator.
            if ("io_uring".equals(aio)) {
                throw new BlockException(Errno.ENOTSUP, bs.nodeName(), driver,
                        "Unable to use io_uring: " + noLoop.getMessage());
            }
            return new AioMode(false, noLoop.getMessage());
        }
        if (refused == null) {
            return new AioMode(true, null);
        }
        String reason = refused.getMessage() + explain(refused.errnoValue());
        if ("io_uring".equals(aio)) {
            throw new BlockException(refused.errno(), bs.nodeName(), driver, "Unable to use io_uring: " + reason);
        }
        AioMode m = new AioMode(false, reason);
        m.logFallback(bs, driver);
        return m;
    }

    /** True while requests go to io_uring. */
    public boolean isIoUring() {
        return uring;
    }

    /** {@code io_uring}, {@code threads}, or {@code threads (io_uring unavailable: <reason>)}. */
    public String describe() {
        if (uring) {
            return "io_uring";
        }
        String why = unavailable;
        return why == null ? "threads" : "threads (io_uring unavailable: " + why + ")";
    }

    /**
     * The ring of the context a request of {@code bs} runs in, or null for the worker pool: this node does not use
     * io_uring, or the request does not run on that context's thread, or no ring can be made there (then the node
     * falls back for good, as {@code raw_aio_attach_aio_context} does).
     */
    LuringState ring(BlockNode bs, String driver) {
        if (!uring) {
            return null;
        }
        AioContext ctx = bs.aioContext();
        if (!ctx.isCurrent()) {
            return null;
        }
        try {
            return LuringState.of(ctx);
        } catch (PosixException e) {
            unavailable = e.getMessage() + explain(e.errnoValue());
            uring = false;
            logFallback(bs, driver);
            return null;
        } catch (UnsupportedOperationException noLoop) {
            return null;
        }
    }

    private void logFallback(BlockNode bs, String driver) {
        String why = unavailable;
        if (LOGGED.add(why)) {
            LOG.log(Level.WARNING, "node ''{0}'' ({1}): io_uring unavailable, using aio=threads: {2}"
                    + " (logged once per reason)", bs.nodeName(), driver, why);
        }
    }

    /**
     * Null when a ring can be made for {@code ctx}, else why not: the context's own ring when this is its thread
     * (made now if it has none), else a throwaway ring, since only the context's thread may poll its ring.
     */
    private static PosixException probe(AioContext ctx) {
        try {
            if (ctx.isCurrent()) {
                LuringState.of(ctx);
            } else if (LuringState.existing(ctx) == null) {
                Ring.setup(1).close();
            }
            return null;
        } catch (PosixException e) {
            return e;
        }
    }

    /** Where the kernel says only an errno, the likely cause this machine shows. */
    private static String explain(int errno) {
        if (errno == Errno.EPERM.value()) {
            try {
                String v = Files.readString(Path.of("/proc/sys/kernel/io_uring_disabled")).strip();
                if (!v.equals("0")) {
                    return " (kernel.io_uring_disabled=" + v + ")";
                }
            } catch (java.io.IOException | RuntimeException e) {
                // Kernels before 6.6 have no such switch: a policy (seccomp, an LSM) refused it then.
            }
            return " (refused by a security policy such as a seccomp filter)";
        }
        if (errno == Errno.ENOSYS.value()) {
            return " (the kernel has no io_uring, or a seccomp filter hides it)";
        }
        if (errno == Errno.ENOMEM.value()) {
            return " (locked memory limit RLIMIT_MEMLOCK too low for the ring: ulimit -l)";
        }
        return "";
    }
}
