package org.blocklayer.health.internal;

import java.util.List;

import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.DriverInfo;

/**
 * A driver's health: OK with how many nodes use it, CRITICAL while nodes have no medium waiting for a driver of
 * that name (X1/X2), whether it is gone or came back and could not reopen them.
 */
final class DriverHealth {
    private DriverHealth() {
    }

    /**
     * @param registered the graph's entry for the driver, null when no driver of that name is registered
     * @param waiting    the nodes without medium that wait for a driver of that name
     */
    static Result of(String name, DriverInfo registered, List<String> waiting) {
        if (!waiting.isEmpty()) {
            String nodes = waiting.size() + (waiting.size() == 1 ? " node" : " nodes") + " without medium ("
                    + String.join(", ", waiting) + ")";
            return new Result(Result.Status.CRITICAL, registered == null ? "driver " + name + " gone: " + nodes
                    : "driver " + name + " is back but could not reopen " + nodes);
        }
        if (registered == null) {
            // Between a driver's leaving and the reconciliation that drops this check.
            return new Result(Result.Status.WARN, "driver " + name + " is not registered");
        }
        return new Result(Result.Status.OK, "driver " + name + " (" + registered.bundle() + " "
                + registered.version() + "): " + registered.nodes() + (registered.nodes() == 1 ? " node" : " nodes"));
    }
}
