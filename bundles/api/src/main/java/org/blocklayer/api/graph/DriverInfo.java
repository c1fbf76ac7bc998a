package org.blocklayer.api.graph;

/**
 * A registered driver as {@code block:drivers} shows it.
 *
 * @param name    format name ("file", "raw", ...)
 * @param kind    "protocol" or "format"
 * @param bundle  symbolic name of the bundle that registered it
 * @param version that bundle's version
 * @param nodes   how many nodes use the driver now
 */
public record DriverInfo(String name, String kind, String bundle, String version, int nodes) {

    /** A driver no node uses. */
    public DriverInfo(String name, String kind, String bundle, String version) {
        this(name, kind, bundle, version, 0);
    }
}
