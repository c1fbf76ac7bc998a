package org.blocklayer.health.internal;

import java.util.List;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;

/** The health check of one driver name, asked afresh at every execution. */
final class DriverCheck implements HealthCheck {
    private final BlockGraph graph;
    private final String driver;

    DriverCheck(BlockGraph graph, String driver) {
        this.graph = graph;
        this.driver = driver;
    }

    @Override
    public Result execute() {
        DriverInfo registered = graph.drivers().stream().filter(d -> d.name().equals(driver)).findFirst()
                .orElse(null);
        List<String> waiting = graph.nodes().stream().filter(n -> driver.equals(n.goneDriver()))
                .map(NodeInfo::node).toList();
        return DriverHealth.of(driver, registered, waiting);
    }
}
