package org.blocklayer.api.export;

/**
 * One export as {@code block:exports} lists it ({@code query-block-exports}, with NBD's details and counters).
 *
 * @param name         the NBD export name
 * @param node         the exported node
 * @param writable     whether clients may write
 * @param description  its description, or null
 * @param multiConn    whether it advertises multi-conn
 * @param size         the size clients see, in bytes
 * @param clients      clients connected to it now
 * @param bytesRead    bytes clients have read from it
 * @param bytesWritten bytes clients have written to it
 */
public record ExportInfo(String name, String node, boolean writable, String description, boolean multiConn,
        long size, int clients, long bytesRead, long bytesWritten) {
}
