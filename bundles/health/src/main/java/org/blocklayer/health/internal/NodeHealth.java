package org.blocklayer.health.internal;

import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.NodeInfo;

/** A node's health from what {@code block:info} shows of it: no medium is CRITICAL, an unreadable length WARN. */
final class NodeHealth {
    private NodeHealth() {
    }

    static Result of(NodeInfo node) {
        if (node.goneDriver() != null) {
            return new Result(Result.Status.CRITICAL, "no medium: driver " + node.goneDriver() + " gone");
        }
        if (node.lengthError() != null) {
            return new Result(Result.Status.WARN, "driver " + node.driver() + ", length unreadable: "
                    + node.lengthError());
        }
        return new Result(Result.Status.OK, "driver " + node.driver() + ", length " + node.length());
    }
}
