package org.blocklayer.shell.internal;

import static org.blocklayer.shell.internal.Catalogue.CREATE;

import java.util.Arrays;
import java.util.List;

import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * qemu-img style commands of scope {@code block}, on image files rather than nodes: {@code create}, as
 * {@code qemu-img create -f FORMAT FILENAME SIZE -o OPTIONS} ({@code bdrv_img_create}). Its output is qemu-img's
 * {@code Formatting ...} line; {@code -o help} lists the creation options instead.
 */
@Component(service = ImageCommands.class)
@GogoCommand(scope = "block", function = {"create"})
public final class ImageCommands {
    private final BlockGraph graph;

    @Activate
    public ImageCommands(@Reference BlockGraph graph) {
        this.graph = graph;
    }

    public Object create(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return CREATE.help();
        }
        Usage.Parsed p = CREATE.parse(args);
        String options = p.value("--options");
        if (options != null && asksHelp(options)) {
            String[] w = p.words();
            if (w.length == 0 || w.length > 3) {
                throw CREATE.error(w.length == 0 ? "missing FORMAT" : "unexpected argument '"
                        + Printable.of(w[3]) + "'");
            }
            String filename = w.length > 1 ? w[1] : null;
            return reported(() -> new CreateOptionsHelp(w[0], filename != null,
                    graph.createOptions(w[0], filename)));
        }
        String[] w = p.exactly(List.of("FORMAT", "FILENAME", "SIZE"));
        long size = size(w[2]);
        BlockOptions given = parsed(options);
        return reported(() -> new CreateResult(w[1], w[0], graph.create(w[0], w[1], size, given)));
    }

    /** {@code has_help_option}: {@code help} or {@code ?} as one of the comma-separated parts. */
    private static boolean asksHelp(String options) {
        return Arrays.stream(options.replace(",,", "\0").split(",")).anyMatch(o -> o.equals("help") || o.equals("?"));
    }

    /** {@code cvtnum("image size", ...)}: a size as qemu_strtosz reads it. */
    private static long size(String text) throws CommandException {
        try {
            return BlockOptions.parseSize("SIZE", text);
        } catch (BlockException e) {
            throw CREATE.error(e.getMessage());
        }
    }

    private static BlockOptions parsed(String options) throws CommandException {
        try {
            return BlockOptions.parse(options);
        } catch (BlockException e) {
            throw CREATE.error(e.getMessage());
        }
    }

    private static <T> T reported(Call<T> call) throws CommandException {
        try (CtrlC ctrlC = CtrlC.interruptsThisThread()) {
            return call.call();
        } catch (BlockException e) {
            throw CommandException.of(e);
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws BlockException;
    }
}
