package org.blocklayer.posix;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.error.Printable;

/**
 * An image lock could not be taken or checked: QEMU's message ({@code Failed to get "write" lock}) and, where QEMU
 * appends one with {@code error_append_hint}, its hint ({@code Is another process using the image [FILE]?}). The
 * hint is kept apart from the message because QEMU prints it on a line of its own, after the message, and a
 * {@link BlockException} message is one line. {@link #prepend} and {@link #withNode} keep it.
 */
public final class ImageLockException extends BlockException {
    private static final long serialVersionUID = 1L;

    private final String hint;

    ImageLockException(Errno errno, String message, String hint, Throwable cause) {
        this(errno, null, null, message, hint, cause);
    }

    private ImageLockException(Errno errno, String node, String driver, String message, String hint,
            Throwable cause) {
        super(errno, node, driver, message, cause);
        this.hint = hint == null ? null : Printable.escape(hint);
    }

    /** The hint QEMU prints on the line after the message, or null when QEMU gives none. */
    public String hint() {
        return hint;
    }

    /** The same failure with the hint of {@code raw_handle_perm_lock} for {@code filename}. */
    ImageLockException withHint(String filename) {
        return new ImageLockException(errno(), node(), driver(), detail(),
                "Is another process using the image [" + filename + "]?", getCause());
    }

    @Override
    public ImageLockException prepend(String prefix) {
        return new ImageLockException(errno(), node(), driver(), prefix + detail(), hint, this);
    }

    @Override
    public ImageLockException withNode(String node, String driver) {
        return new ImageLockException(errno(), node, driver, detail(), hint, this);
    }
}
