package org.blocklayer.shell.internal;

import org.apache.felix.service.command.Function;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code block:sg-capacity NODE}: asks the node's driver for its length directly. For a scsi-generic node that is
 * READ CAPACITY over SG_IO, which the generic refresh never does (B2). A Gogo {@link Function} because a Java method
 * cannot be called {@code sg-capacity}; {@code block:sg-capacity --help} prints its help.
 */
@Component(service = Function.class, property = {"osgi.command.scope=block", "osgi.command.function=sg-capacity"})
public final class SgCapacityCommand extends DashedCommand {
    private static final Usage USAGE = Catalogue.SG_CAPACITY;

    private final BlockGraph graph;

    @Activate
    public SgCapacityCommand(@Reference BlockGraph graph) {
        super(USAGE);
        this.graph = graph;
    }

    @Override
    Object run(String[] args) throws CommandException {
        String name = USAGE.one("NODE", args);
        try {
            return new LengthResult(name, graph.driverLength(name));
        } catch (BlockException e) {
            throw CommandException.of(e);
        }
    }
}
