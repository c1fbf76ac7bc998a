package org.blocklayer.posix;

import java.io.IOException;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.posix.internal.Libc;

/**
 * A system call failed: the errno it set and what was called on what. An {@link IOException}, so that it crosses
 * {@code ThreadPool.run} unchanged.
 */
public final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public PosixException(int errno, String message) {
        super(message);
        this.errno = Math.abs(errno);
    }

    /** {@code "<call> '<subject>': <strerror>"}, e.g. {@code ioctl(BLKGETSIZE64) '/tmp/a': Inappropriate ioctl...}. */
    static PosixException of(int errno, String call, String subject) {
        return new PosixException(errno, call + " '" + subject + "': " + strerror(errno));
    }

    /** The errno number as the kernel reported it. */
    public int errnoValue() {
        return errno;
    }

    /** The errno as the block layer names it: its constant, or, for a number Linux has no name for, that number. */
    public Errno errno() {
        return Errno.of(errno);
    }

    /**
     * QEMU's {@code translate_err}: ENODEV, ENOSYS, EOPNOTSUPP (ENOTSUP on Linux) and ENOTTY all say the call is not
     * supported on this file or device, not that it failed.
     */
    public boolean unsupported() {
        Errno e = errno();
        return e == Errno.ENODEV || e == Errno.ENOSYS || e == Errno.ENOTSUP || e == Errno.ENOTTY;
    }

    /** strerror(3)'s text for the errno. */
    public String reason() {
        return strerror(errno);
    }

    /** A BlockException with this errno and {@code what} in front of strerror's text, as drivers report. */
    public BlockException toBlockException(String what) {
        return new BlockException(errno(), what + ": " + reason(), this);
    }

    /**
     * A BlockException for a failure that crossed {@code ThreadPool.run}: this class's exact errno when {@code e} is
     * one. Any other I/O exception comes from a JDK call, which hands out no errno, and its text is not read for one:
     * it is EIO, QEMU's errno for a failure without a better one, and keeps the JDK's words.
     */
    public static BlockException toBlockException(String what, IOException e) {
        if (e instanceof PosixException pe) {
            return pe.toBlockException(what);
        }
        return new BlockException(Errno.EIO, what + ": " + (e.getMessage() == null ? e.toString() : e.getMessage()),
                e);
    }

    /** strerror(3)'s text for any errno number. */
    public static String strerror(int errno) {
        String text = Libc.strerror(errno);
        if (text != null) {
            return text;
        }
        return errno == 0 ? "Success" : Errno.of(errno).description();
    }
}
