package org.blocklayer.webconsole.internal;

import java.util.List;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.DeclarationInfo;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeDeclarations;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.dot.GraphDot;

/**
 * What the page shows, taken in one go: the rows of {@code block:nodes}, {@code block:drivers},
 * {@code block:iothread list}, {@code block:exports} and {@code block:declared}, and {@code block:graph}'s dot text
 * of the same nodes.
 */
record PageSnapshot(List<NodeInfo> nodes, List<DriverInfo> drivers, List<String> iothreads, List<ExportInfo> exports,
        List<DeclarationInfo> declarations, String dot) {

    PageSnapshot {
        nodes = List.copyOf(nodes);
        drivers = List.copyOf(drivers);
        iothreads = List.copyOf(iothreads);
        exports = List.copyOf(exports);
        declarations = List.copyOf(declarations);
    }

    static PageSnapshot take(BlockGraph graph, BlockBackends backends, BlockExports exports,
            NodeDeclarations declarations) throws BlockException {
        List<NodeInfo> nodes = graph.nodes();
        return new PageSnapshot(nodes, graph.drivers(), graph.iothreads(), exports.exports(),
                declarations.declarations(), GraphDot.of(nodes, backends::users));
    }
}
