package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.graph.NodeInfo;

/** What {@code block:nodes} returns: every node, in creation order. */
public record NodeList(List<NodeInfo> nodes) {
    public NodeList {
        nodes = List.copyOf(nodes);
    }
}
