package org.blocklayer.shell.internal;

import java.math.BigDecimal;
import java.time.Duration;
import org.apache.felix.service.command.Function;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * {@code block:detach-timeout [SECONDS]}: shows or sets how long I/O on a node whose driver went away waits for a
 * driver of that name to come back before failing with ENOMEDIUM (X2). A Gogo {@link Function} because of the dash.
 */
@Component(service = Function.class, property = {"osgi.command.scope=block",
        "osgi.command.function=detach-timeout"})
public final class DetachTimeoutCommand extends DashedCommand {
    private static final Usage USAGE = Catalogue.DETACH_TIMEOUT;

    private final BlockGraph graph;

    @Activate
    public DetachTimeoutCommand(@Reference BlockGraph graph) {
        super(USAGE);
        this.graph = graph;
    }

    @Override
    Object run(String[] args) throws CommandException {
        String[] words = USAGE.words(args);
        if (words.length > 1) {
            throw USAGE.error("unexpected argument '" + words[1] + "'");
        }
        if (words.length == 1) {
            Duration timeout;
            try {
                timeout = Duration.ofNanos(new BigDecimal(words[0]).movePointRight(9).longValueExact());
            } catch (NumberFormatException | ArithmeticException e) {
                throw USAGE.error("SECONDS must be a number of seconds, not '" + Printable.of(words[0]) + "'");
            }
            try {
                graph.setDetachTimeout(timeout);
            } catch (BlockException e) {
                throw CommandException.of(e);
            }
        }
        return new BigDecimal(graph.detachTimeout().toNanos()).movePointLeft(9).stripTrailingZeros().toPlainString();
    }
}
