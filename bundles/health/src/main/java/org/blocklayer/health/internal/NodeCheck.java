package org.blocklayer.health.internal;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;

/** The health check of one node, asked afresh at every execution. */
final class NodeCheck implements HealthCheck {
    private final BlockGraph graph;
    private final String node;

    NodeCheck(BlockGraph graph, String node) {
        this.graph = graph;
        this.node = node;
    }

    @Override
    public Result execute() {
        try {
            return NodeHealth.of(graph.info(node));
        } catch (BlockException e) {
            // Closed a moment ago: the reconciliation that drops this check is on its way.
            return new Result(Result.Status.WARN, "node " + node + ": " + e.describe());
        }
    }
}
