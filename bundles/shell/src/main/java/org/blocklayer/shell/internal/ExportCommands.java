package org.blocklayer.shell.internal;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.export.ExportOptions;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicyOption;

/**
 * {@code block:export add|del} and {@code block:exports}, after qemu-storage-daemon's {@code --export} and QMP's
 * {@code block-export-add}, {@code block-export-del}, {@code query-block-exports}. The export service comes from the
 * NBD server bundle; without it the commands say so.
 */
@Component(service = ExportCommands.class)
@GogoCommand(scope = "block", function = {"export", "exports"})
public final class ExportCommands {
    private static final Usage USAGE = Catalogue.EXPORT;

    private final BlockExports exports;
    private final ShellBackends backends;

    @Activate
    public ExportCommands(@Reference(cardinality = ReferenceCardinality.OPTIONAL,
            policyOption = ReferencePolicyOption.GREEDY) BlockExports exports, @Reference ShellBackends backends) {
        this.exports = exports;
        this.backends = backends;
    }

    /** The export service, or the error that says which bundle is missing. */
    static BlockExports required(BlockExports exports) throws CommandException {
        if (exports == null) {
            throw CommandException.of(new BlockException(Errno.ENOTSUP, "no NBD server: the bundle"
                    + " org.blocklayer.nbd.server is not installed or not active"));
        }
        return exports;
    }

    public Object export(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return USAGE.help();
        }
        Usage.Parsed p = USAGE.parse(args);
        String[] words = p.words();
        if (words.length == 0) {
            throw USAGE.error("missing add or del");
        }
        String[] rest = Arrays.copyOfRange(words, 1, words.length);
        return switch (words[0]) {
            case "add" -> add(p, rest);
            case "del" -> del(p, rest);
            default -> throw USAGE.error("unknown subcommand '" + Printable.of(words[0]) + "'");
        };
    }

    private Object add(Usage.Parsed p, String[] rest) throws CommandException {
        only(p, List.of("--name", "--writable", "--description", "--multi-conn"), "add");
        String node = exactly(rest, "NODE");
        boolean writable = p.has("--writable");
        ExportOptions options = new ExportOptions(node, p.value("--name"), writable, p.value("--description"),
                multiConn(p.value("--multi-conn")));
        BlockExports service = required(exports);
        return IoCommands.reported(() -> {
            // The shell's own handle on a node it opened shares no write, as a guest device; a writable export is
            // let in, as qemu-storage-daemon, which has no device there, lets it write.
            boolean shared = writable && backends.shareWrite(node, true);
            try {
                return service.add(options).name();
            } catch (BlockException e) {
                if (shared) {
                    backends.shareWrite(node, false);
                }
                throw e;
            }
        });
    }

    private Object del(Usage.Parsed p, String[] rest) throws CommandException {
        only(p, List.of("--force"), "del");
        String name = exactly(rest, "NAME");
        BlockExports service = required(exports);
        return IoCommands.reported(() -> {
            ExportInfo gone = service.exports().stream().filter(e -> e.name().equals(name)).findFirst()
                    .orElse(null);
            service.delete(name, p.has("--force"));
            if (gone != null && gone.writable() && service.exports().stream()
                    .noneMatch(e -> e.node().equals(gone.node()) && e.writable())) {
                backends.shareWrite(gone.node(), false);
            }
            return null;
        });
    }

    public Object exports(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.EXPORTS.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        Catalogue.EXPORTS.exactly(List.of(), j.rest());
        List<org.blocklayer.api.export.ExportInfo> list = required(exports).exports();
        return j.json() ? new JsonOutput.Result(JsonOutput.exports(list)) : new ExportList(list);
    }

    private static ExportOptions.MultiConn multiConn(String value) throws CommandException {
        if (value == null) {
            return ExportOptions.MultiConn.AUTO;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "on" -> ExportOptions.MultiConn.ON;
            case "off" -> ExportOptions.MultiConn.OFF;
            case "auto" -> ExportOptions.MultiConn.AUTO;
            default -> throw USAGE.error("--multi-conn takes on, off or auto, not '" + Printable.of(value) + "'");
        };
    }

    /** The options given must be among those of the subcommand {@code what}. */
    private static void only(Usage.Parsed p, List<String> allowed, String what) throws CommandException {
        for (Usage.Option o : USAGE.options()) {
            if (p.has(o.key()) && !allowed.contains(o.key())) {
                throw USAGE.error("option " + o.key() + " does not go with " + what);
            }
        }
    }

    private static String exactly(String[] rest, String what) throws CommandException {
        if (rest.length == 0) {
            throw USAGE.error("missing " + what);
        }
        if (rest.length > 1) {
            throw USAGE.error("unexpected argument '" + Printable.of(rest[1]) + "'");
        }
        if (rest[0].isBlank()) {
            throw USAGE.error("empty " + what);
        }
        return rest[0];
    }

}
