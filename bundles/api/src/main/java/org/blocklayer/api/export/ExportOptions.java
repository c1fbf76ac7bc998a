package org.blocklayer.api.export;

/**
 * What {@code block-export-add} takes for an NBD export.
 *
 * @param node        the node to export
 * @param name        the NBD export name; null for the node's name
 * @param writable    whether clients may write (else the export says read-only and refuses writes)
 * @param description the text {@code NBD_OPT_LIST} and {@code NBD_INFO_DESCRIPTION} give, or null
 * @param multiConn   whether the export advertises that clients may use several connections
 */
public record ExportOptions(String node, String name, boolean writable, String description, MultiConn multiConn) {

    /** {@code multi-conn}: whether {@code NBD_FLAG_CAN_MULTI_CONN} is advertised (never with max-connections 1). */
    public enum MultiConn {
        /** Advertised. */
        ON,
        /** Never advertised. */
        OFF,
        /** Advertised for read-only exports only: there flush has nothing to make consistent. */
        AUTO
    }

    public ExportOptions {
        if (node == null) {
            throw new IllegalArgumentException("no node to export");
        }
        multiConn = multiConn == null ? MultiConn.AUTO : multiConn;
    }

    /** A read-only export of {@code node} under its own name. */
    public static ExportOptions of(String node) {
        return new ExportOptions(node, null, false, null, MultiConn.AUTO);
    }
}
