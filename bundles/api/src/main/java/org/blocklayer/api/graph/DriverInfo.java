package org.blocklayer.api.graph;

/**
 * A registered driver as {@code block:drivers} shows it.
 *
 * @param name    format name ("file", "raw", ...)
 * @param kind    "protocol" or "format"
 * @param bundle  symbolic name of the bundle that registered it
 * @param version that bundle's version
 */
public record DriverInfo(String name, String kind, String bundle, String version) {
}
