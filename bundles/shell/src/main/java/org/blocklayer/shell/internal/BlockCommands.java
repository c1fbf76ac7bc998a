package org.blocklayer.shell.internal;

import java.util.Arrays;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.NodeInfo;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * The Gogo commands of scope {@code block}. Each one calls the {@link BlockGraph} service and returns a data object;
 * {@link ResultFormatter} turns it into text. A failure is thrown as a {@link CommandException}, which the shell
 * prints as the single line {@code error: <message> (<ERRNO>)}.
 *
 * <p>To add a command: a public method with {@code @Descriptor} on it and on every parameter, its name in
 * {@link GogoCommand#function()}, a {@link Usage} when it takes arguments, and its result type in
 * {@link ResultFormatter}.
 */
@Component(service = BlockCommands.class)
@GogoCommand(scope = "block", function = {"drivers", "open", "nodes", "info", "length", "close", "iothread", "move"})
public final class BlockCommands {
    private static final Usage OPEN = new Usage("open", "[-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS");
    private static final Usage INFO = new Usage("info", "NODE");
    private static final Usage LENGTH = new Usage("length", "NODE");
    private static final Usage CLOSE = new Usage("close", "NODE");
    private static final Usage IOTHREAD = new Usage("iothread", "add ID | del ID | list");
    private static final Usage MOVE = new Usage("move", "NODE IOTHREAD|main");

    private final BlockGraph graph;

    @Activate
    public BlockCommands(@Reference BlockGraph graph) {
        this.graph = graph;
    }

    @Descriptor("list the registered block drivers: name, kind (protocol or format), bundle, version")
    public DriverList drivers() {
        return new DriverList(graph.drivers());
    }

    @Descriptor("open a node (bdrv_open) and print its name")
    public OpenResult open(
            @Descriptor("name the node NODE (default: a generated #blockN)")
            @Parameter(names = {"-n", "--node-name"}, absentValue = "") String nodeName,
            @Descriptor("open read-only")
            @Parameter(names = {"-r", "--read-only"}, absentValue = "false", presentValue = "true") boolean readOnly,
            @Descriptor("open the node, and the children it opens, in the AioContext of iothread IOTHREAD"
                    + " (see block:iothread; \"main\" for the main loop)")
            @Parameter(names = {"--iothread"}, absentValue = "") String iothread,
            @Descriptor("FILENAME|OPTIONS: a path or URI (/tmp/a.img, file:/tmp/a.img, nbd://host/export), or"
                    + " blockdev-add style options (driver=raw,file.driver=file,file.filename=/tmp/a.img)")
            String... target) throws CommandException {
        String what = OPEN.one("FILENAME|OPTIONS", target);
        String name = OPEN.flagValue("-n", "NODE", nodeName);
        String context = OPEN.flagValue("--iothread", "IOTHREAD", iothread);
        return reported(() -> {
            OpenRequest request = OpenRequest.of(what, name, readOnly);
            return new OpenResult((context.isEmpty()
                    ? graph.open(request.filename(), request.options(), request.flags())
                    : graph.open(request.filename(), request.options(), request.flags(), context)).nodeName());
        });
    }

    @Descriptor("list the nodes: name, driver (or \"no medium\"), filename, length")
    public NodeList nodes() {
        return new NodeList(graph.nodes());
    }

    @Descriptor("show a node: driver, file child, filename, sectors, length, sg, variable length, read-only, AioContext")
    public NodeInfo info(@Descriptor("NODE: the node name") String... node) throws CommandException {
        String name = INFO.one("NODE", node);
        return reported(() -> graph.info(name));
    }

    @Descriptor("print the length of a node in bytes (bdrv_getlength)")
    public LengthResult length(@Descriptor("NODE: the node name") String... node) throws CommandException {
        String name = LENGTH.one("NODE", node);
        return reported(() -> new LengthResult(name, graph.getLength(name)));
    }

    @Descriptor("close a node the user opened (bdrv_unref); EBUSY while another node uses it")
    public void close(@Descriptor("NODE: the node name") String... node) throws CommandException {
        String name = CLOSE.one("NODE", node);
        reported(() -> {
            graph.close(name);
            return null;
        });
    }

    @Descriptor("manage iothreads, each an AioContext with a thread of its own: add ID starts one (-object iothread),"
            + " del ID stops one that no node uses any more, list prints their ids")
    public IothreadList iothread(
            @Descriptor("add ID | del ID | list; an ID is a letter, then letters, digits, '-', '.', '_'")
            String... args) throws CommandException {
        String[] words = IOTHREAD.words(args);
        if (words.length == 0) {
            throw IOTHREAD.error("missing add, del or list");
        }
        String[] rest = Arrays.copyOfRange(words, 1, words.length);
        switch (words[0]) {
            case "list" -> {
                IOTHREAD.exactly(List.of(), rest);
                return new IothreadList(graph.iothreads());
            }
            case "add" -> {
                String id = IOTHREAD.exactly(List.of("ID"), rest)[0];
                reported(() -> {
                    graph.addIothread(id);
                    return null;
                });
                return null;
            }
            case "del" -> {
                String id = IOTHREAD.exactly(List.of("ID"), rest)[0];
                reported(() -> {
                    graph.deleteIothread(id);
                    return null;
                });
                return null;
            }
            default -> throw IOTHREAD.error("unknown subcommand '" + words[0] + "'");
        }
    }

    @Descriptor("move a node, with every node joined to it by an edge, into an iothread's AioContext or back to the"
            + " main loop (x-blockdev-set-iothread); EBUSY, with nothing moved, when one of them is pinned")
    public void move(
            @Descriptor("NODE IOTHREAD|main: the node name, then an iothread id or main")
            String... args) throws CommandException {
        String[] words = MOVE.exactly(List.of("NODE", "IOTHREAD|main"), args);
        reported(() -> {
            graph.setAioContext(words[0], words[1]);
            return null;
        });
    }

    /** Runs a graph call; its {@link BlockException} becomes the shell's report of it, same errno and message. */
    private static <T> T reported(GraphCall<T> call) throws CommandException {
        try {
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
