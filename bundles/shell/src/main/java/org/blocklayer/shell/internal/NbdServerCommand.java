package org.blocklayer.shell.internal;

import java.util.Arrays;

import org.apache.felix.service.command.Function;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.export.BlockExports;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code block:nbd-server start [ADDRESS] [--max-connections N] | stop}: qemu-storage-daemon's {@code --nbd-server}
 * and QMP's {@code nbd-server-start}/{@code -stop}. A Gogo {@link Function} because of the dash.
 */
@Component(service = Function.class, property = {"osgi.command.scope=block", "osgi.command.function=nbd-server"})
public final class NbdServerCommand extends DashedCommand {
    private static final Usage USAGE = Catalogue.NBD_SERVER;

    private final BlockExports exports;

    @Activate
    public NbdServerCommand(@Reference(cardinality = ReferenceCardinality.OPTIONAL,
            policyOption = ReferencePolicyOption.GREEDY) BlockExports exports) {
        super(USAGE);
        this.exports = exports;
    }

    @Override
    Object run(String[] args) throws CommandException {
        Usage.Parsed p = USAGE.parse(args);
        String[] words = p.words();
        if (words.length == 0) {
            throw USAGE.error("missing start or stop");
        }
        String[] rest = Arrays.copyOfRange(words, 1, words.length);
        BlockExports service = ExportCommands.required(exports);
        try {
            switch (words[0]) {
                case "start" -> {
                    if (rest.length > 1) {
                        throw USAGE.error("unexpected argument '" + Printable.of(rest[1]) + "'");
                    }
                    return service.startNbdServer(rest.length == 0 ? BlockExports.DEFAULT_ADDRESS : rest[0],
                            maxConnections(p.value("--max-connections"))).address();
                }
                case "stop" -> {
                    if (rest.length > 0) {
                        throw USAGE.error("unexpected argument '" + Printable.of(rest[0]) + "'");
                    }
                    if (p.has("--max-connections")) {
                        throw USAGE.error("option --max-connections does not go with stop");
                    }
                    service.stopNbdServer();
                    return null;
                }
                default -> throw USAGE.error("unknown subcommand '" + Printable.of(words[0]) + "'");
            }
        } catch (CommandException e) {
            throw e;
        } catch (BlockException e) {
            throw CommandException.of(e);
        }
    }

    private static int maxConnections(String value) throws CommandException {
        if (value == null) {
            return BlockExports.DEFAULT_MAX_CONNECTIONS;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the usage error below
        }
        throw USAGE.error("--max-connections takes a number of clients (0: no limit), not '" + Printable.of(value)
                + "'");
    }
}
