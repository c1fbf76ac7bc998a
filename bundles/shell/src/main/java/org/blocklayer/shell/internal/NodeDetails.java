package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.graph.NodeInfo;

/** What {@code block:info} shows: the node, and every user of it with the permissions it takes and shares. */
record NodeDetails(NodeInfo info, List<NodeUser> users) {
}
