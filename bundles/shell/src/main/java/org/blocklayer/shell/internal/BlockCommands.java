package org.blocklayer.shell.internal;

import java.util.Arrays;
import java.util.List;

import static org.blocklayer.shell.internal.Catalogue.CLOSE;
import static org.blocklayer.shell.internal.Catalogue.DRIVERS;
import static org.blocklayer.shell.internal.Catalogue.INFO;
import static org.blocklayer.shell.internal.Catalogue.IOTHREAD;
import static org.blocklayer.shell.internal.Catalogue.LENGTH;
import static org.blocklayer.shell.internal.Catalogue.MOVE;
import static org.blocklayer.shell.internal.Catalogue.NODES;
import static org.blocklayer.shell.internal.Catalogue.OPEN;

import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.dot.GraphDot;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Gogo commands of scope {@code block}. Each one calls the {@link BlockGraph} service and returns a data object;
 * {@link ResultFormatter} turns it into text. A failure is thrown as a {@link CommandException}, which the shell
 * prints as the single line {@code error: <message> (<ERRNO>)}.
 *
 * <p>Every command takes plain words and parses them with its {@link Usage} from the {@link Catalogue}, which also
 * gives its help ({@code block:open --help}, {@code help open}). To add a command: a public method taking
 * {@code String...}, its name in {@link GogoCommand#function()}, its {@link Usage} in the {@link Catalogue}, and its
 * result type in {@link ResultFormatter}.
 */
@Component(service = BlockCommands.class)
@GogoCommand(scope = "block", function = {"drivers", "open", "nodes", "info", "length", "close", "iothread", "move",
    "backends", "graph"})
public final class BlockCommands {
    private final BlockGraph graph;
    private final ShellBackends backends;

    @Activate
    public BlockCommands(@Reference BlockGraph graph, @Reference ShellBackends backends) {
        this.graph = graph;
        this.backends = backends;
    }

    public Object drivers(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return DRIVERS.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        DRIVERS.exactly(List.of(), j.rest());
        List<org.blocklayer.api.graph.DriverInfo> drivers = graph.drivers();
        return j.json() ? new JsonOutput.Result(JsonOutput.drivers(drivers)) : new DriverList(drivers);
    }

    public Object open(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return OPEN.help();
        }
        Usage.Parsed p = OPEN.parse(args);
        String what = p.exactly(List.of("FILENAME|OPTIONS"))[0];
        String name = p.value("--node-name");
        String context = p.value("--iothread");
        boolean readOnly = p.has("--read-only");
        return reported(() -> {
            OpenRequest request = OpenRequest.of(what, name, readOnly);
            BlockNode node = context == null
                    ? graph.open(request.filename(), request.options(), request.flags())
                    : graph.open(request.filename(), request.options(), request.flags(), context);
            try {
                backends.attach(node.nodeName(), node.isReadOnly());
            } catch (BlockException e) {
                // Its permissions cannot be had (another user, an image lock): the open did not happen.
                graph.close(node.nodeName());
                throw e;
            }
            return new OpenResult(node.nodeName());
        });
    }

    public Object nodes(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return NODES.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        NODES.exactly(List.of(), j.rest());
        List<NodeInfo> nodes = graph.nodes();
        return j.json() ? new JsonOutput.Result(JsonOutput.nodes(nodes)) : new NodeList(nodes);
    }

    public Object info(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return INFO.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        String name = INFO.one("NODE", j.rest());
        NodeDetails details = reported(() -> {
            NodeInfo info = graph.info(name);
            List<NodeInfo> chain = new java.util.ArrayList<>();
            for (NodeInfo n = info; n.backingChild() != null && chain.size() < 1000; ) {
                n = graph.info(n.backingChild());
                chain.add(n);
            }
            return new NodeDetails(info, chain, backends.users(name));
        });
        return j.json() ? new JsonOutput.Result(JsonOutput.info(details)) : details;
    }

    /** The graph in Graphviz dot ({@link GraphDot}): pipe it to {@code dot -Tsvg}. */
    public Object graph(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.GRAPH.help();
        }
        Catalogue.GRAPH.exactly(List.of(), args);
        return reported(() -> GraphDot.of(graph, backends::users));
    }

    public Object backends(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.BACKENDS.help();
        }
        Catalogue.BACKENDS.exactly(List.of(), args);
        return new BackendList(backends.all());
    }

    public Object length(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return LENGTH.help();
        }
        String name = LENGTH.one("NODE", args);
        return reported(() -> new LengthResult(name, graph.getLength(name)));
    }

    public Object close(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return CLOSE.help();
        }
        String name = CLOSE.one("NODE", args);
        return reported(() -> {
            backends.detach(name);
            try {
                graph.close(name);
            } catch (BlockException e) {
                // Still in use by another node: the shell keeps its handle on it, as before the command.
                reattach(name);
                throw e;
            }
            return null;
        });
    }

    public Object iothread(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return IOTHREAD.help();
        }
        JsonOutput.Args j = JsonOutput.Args.of(args);
        String[] words = IOTHREAD.words(j.rest());
        if (words.length == 0) {
            throw IOTHREAD.error("missing add, del or list");
        }
        String[] rest = Arrays.copyOfRange(words, 1, words.length);
        switch (words[0]) {
            case "list" -> {
                IOTHREAD.exactly(List.of(), rest);
                List<String> ids = graph.iothreads();
                return j.json() ? new JsonOutput.Result(JsonOutput.iothreads(ids)) : new IothreadList(ids);
            }
            case "add" -> {
                String id = IOTHREAD.exactly(List.of("ID"), rest)[0];
                return reported(() -> {
                    graph.addIothread(id);
                    return null;
                });
            }
            case "del" -> {
                String id = IOTHREAD.exactly(List.of("ID"), rest)[0];
                return reported(() -> {
                    graph.deleteIothread(id);
                    return null;
                });
            }
            default -> throw IOTHREAD.error("unknown subcommand '" + Printable.of(words[0]) + "'");
        }
    }

    public Object move(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return MOVE.help();
        }
        String[] words = MOVE.exactly(List.of("NODE", "IOTHREAD|main"), args);
        return reported(() -> {
            graph.setAioContext(words[0], words[1]);
            return null;
        });
    }

    private void reattach(String name) {
        try {
            backends.attach(name, graph.info(name).readOnly());
        } catch (BlockException e) {
            // The node went meanwhile, or is used so that the shell cannot have it: commands take a handle each time.
        }
    }

    /** Runs a graph call; its {@link BlockException} becomes the shell's report of it, same errno and message. */
    private static <T> T reported(GraphCall<T> call) throws CommandException {
        try (CtrlC ctrlC = CtrlC.interruptsThisThread()) {
            return call.call();
        } catch (BlockException e) {
            throw CommandException.of(e);
        }
    }

    @FunctionalInterface
    private interface GraphCall<T> {
        T call() throws BlockException;
    }
}
