package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.graph.NodeInfo;

/**
 * What {@code block:info} shows: the node, its backing chain (nearest first), and every user of it with the
 * permissions it takes and shares.
 */
record NodeDetails(NodeInfo info, List<NodeInfo> chain, List<NodeUser> users) {

    NodeDetails(NodeInfo info, List<NodeUser> users) {
        this(info, List.of(), users);
    }
}
