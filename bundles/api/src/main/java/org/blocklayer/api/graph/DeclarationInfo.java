package org.blocklayer.api.graph;

/**
 * One node declared in Config Admin ({@code org.blocklayer.node~NAME}) and how it stands; what
 * {@code block:declared} shows.
 *
 * @param source  where the declaration came from: its .cfg file, else its configuration PID
 * @param node    the node's name, or null when the graph generates it
 * @param open    whether the declared node is open now
 * @param problem why it is not open (the last error, with its errno), or null
 * @since 1.1
 */
public record DeclarationInfo(String source, String node, boolean open, String problem) {
}
