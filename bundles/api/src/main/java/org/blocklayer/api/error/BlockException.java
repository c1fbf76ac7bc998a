package org.blocklayer.api.error;

import java.util.Objects;

/**
 * A block-layer failure: QEMU's {@code -errno} return plus its {@code Error **errp} message, in one object.
 * The message names the node and the driver involved, so it can be shown to an operator as it is: it is kept
 * {@link Printable#escape printable}, since it echoes file names, export names and peers' words that may hold
 * control characters.
 */
public class BlockException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Errno errno;

    public BlockException(Errno errno, String message) {
        super(Printable.escape(Objects.requireNonNull(message, "message")));
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public BlockException(Errno errno, String message, Throwable cause) {
        super(Printable.escape(Objects.requireNonNull(message, "message")), cause);
        this.errno = Objects.requireNonNull(errno, "errno");
    }

    public Errno errno() {
        return errno;
    }

    /** The message with the errno appended, as the shell prints it: {@code <message> (<ERRNO>)}. */
    public String describe() {
        return getMessage() + " (" + errno.name() + ")";
    }

    /** A new exception with {@code prefix} put in front of this one's message, keeping the errno (error_prepend). */
    public BlockException prepend(String prefix) {
        return new BlockException(errno, prefix + getMessage(), this);
    }
}
