package org.blocklayer.api.error;

import java.util.Objects;

/**
 * A block-layer failure: QEMU's {@code -errno} return plus its {@code Error **errp} message, in one object. It says
 * which node failed and through which driver as fields, and builds its message from them here, in one shape:
 * {@code node '<node>', driver '<driver>': <detail>} ({@code node '<node>': <detail>} for a node without a driver,
 * the detail alone for a failure that concerns no node). The message can be shown to an operator as it is: it is
 * kept {@link Printable#escape printable}, since it echoes file names, export names and peers' words that may hold
 * control characters.
 */
public class BlockException extends Exception {
    private static final long serialVersionUID = 2L;

    private final Errno errno;
    private final String node;
    private final String driver;
    private final String detail;

    /** A failure that concerns no node (a bad option, an unknown driver name). */
    public BlockException(Errno errno, String detail) {
        this(errno, null, null, detail, null);
    }

    /** A failure that concerns no node, caused by {@code cause}. */
    public BlockException(Errno errno, String detail, Throwable cause) {
        this(errno, null, null, detail, cause);
    }

    /**
     * A failure of {@code node} through {@code driver}.
     *
     * @param node   the node's name, or null when the failure concerns no node
     * @param driver the driver's format name, or null when the node has none (or no driver is involved)
     * @param detail what went wrong, without the node and driver: the message builds those in
     */
    public BlockException(Errno errno, String node, String driver, String detail) {
        this(errno, node, driver, detail, null);
    }

    /** A failure of {@code node} through {@code driver}, caused by {@code cause}. */
    public BlockException(Errno errno, String node, String driver, String detail, Throwable cause) {
        super(message(node, driver, detail), cause);
        this.errno = Objects.requireNonNull(errno, "errno");
        this.node = node == null ? null : Printable.escape(node);
        this.driver = driver == null ? null : Printable.escape(driver);
        this.detail = Printable.escape(detail);
    }

    /** The message shape, built in this one place. */
    private static String message(String node, String driver, String detail) {
        String what = Printable.escape(Objects.requireNonNull(detail, "detail"));
        if (node == null) {
            return driver == null ? what : "driver '" + Printable.escape(driver) + "': " + what;
        }
        String where = "node '" + Printable.escape(node) + "'";
        return (driver == null ? where : where + ", driver '" + Printable.escape(driver) + "'") + ": " + what;
    }

    public Errno errno() {
        return errno;
    }

    /** The name of the node that failed, or null when the failure concerns no node. */
    public String node() {
        return node;
    }

    /** The format name of the driver the node failed through, or null when none was involved. */
    public String driver() {
        return driver;
    }

    /** What went wrong, without the node and the driver: the message is this with them in front. */
    public String detail() {
        return detail;
    }

    /** The message with the errno appended, as the shell prints it: {@code <message> (<ERRNO>)}. */
    public String describe() {
        return getMessage() + " (" + errno.name() + ")";
    }

    /**
     * A new exception with {@code prefix} put in front of this one's detail, keeping the errno, the node and the
     * driver (error_prepend).
     */
    public BlockException prepend(String prefix) {
        return new BlockException(errno, node, driver, prefix + detail, this);
    }

    /**
     * The same failure said of {@code node} and {@code driver}: a new exception with this one's errno and detail and
     * this one as its cause. Callers that add the node a failure happened on ask {@link #node()} first: the node
     * named first, the innermost, is the one that failed.
     */
    public BlockException withNode(String node, String driver) {
        return new BlockException(errno, Objects.requireNonNull(node, "node"), driver, detail, this);
    }
}
