package org.blocklayer.api.graph;

/**
 * What {@code block:info} and {@code block:nodes} show of a node; a snapshot, taken in the main loop.
 *
 * @param node          node name
 * @param driver        driver name, or null when the medium is gone
 * @param filename      the filename the node was opened with, or null
 * @param fileChild     node name of the {@code file} child, or null
 * @param totalSectors  the cached {@code total_sectors}
 * @param length        the length from {@code getLength}, or -1 when that failed (see {@code lengthError})
 * @param lengthError   why the length could not be read, or null
 * @param sg            {@code bs->sg}
 * @param variableLength the driver's {@code has_variable_length}
 * @param readOnly      whether the node is read-only
 * @param aioContext    the name of the node's AioContext
 * @param goneDriver    when the driver left (X1): its name, until one of that name takes the node back; else null
 * @param driverVersion the version of the bundle that registered the node's driver (a live upgrade changes it), or
 *                      null when the medium is gone or the driver came from no bundle
 * @param backingChild  node name of the {@code backing} child, or null
 * @param formatSpecific what the driver says of its image ({@code ImageInfoSpecific}: compat, snapshots...), in the
 *                      driver's order; empty when it says nothing
 * @since 1.1
 */
public record NodeInfo(String node, String driver, String filename, String fileChild, long totalSectors,
                       long length, String lengthError, boolean sg, boolean variableLength, boolean readOnly,
                       String aioContext, String goneDriver, String driverVersion, String backingChild,
                       java.util.Map<String, String> formatSpecific) {

    public NodeInfo {
        formatSpecific = formatSpecific == null ? java.util.Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(formatSpecific));
    }

    /** A node without a backing child or format-specific information. */
    public NodeInfo(String node, String driver, String filename, String fileChild, long totalSectors, long length,
                    String lengthError, boolean sg, boolean variableLength, boolean readOnly, String aioContext,
                    String goneDriver, String driverVersion) {
        this(node, driver, filename, fileChild, totalSectors, length, lengthError, sg, variableLength, readOnly,
                aioContext, goneDriver, driverVersion, null, null);
    }

    /** A node whose driver's version is not known. */
    public NodeInfo(String node, String driver, String filename, String fileChild, long totalSectors, long length,
                    String lengthError, boolean sg, boolean variableLength, boolean readOnly, String aioContext,
                    String goneDriver) {
        this(node, driver, filename, fileChild, totalSectors, length, lengthError, sg, variableLength, readOnly,
                aioContext, goneDriver, null);
    }

    /** A node that has not lost its driver. */
    public NodeInfo(String node, String driver, String filename, String fileChild, long totalSectors, long length,
                    String lengthError, boolean sg, boolean variableLength, boolean readOnly, String aioContext) {
        this(node, driver, filename, fileChild, totalSectors, length, lengthError, sg, variableLength, readOnly,
                aioContext, null, null);
    }
}
