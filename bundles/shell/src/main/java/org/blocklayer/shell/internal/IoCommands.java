package org.blocklayer.shell.internal;

import static org.blocklayer.shell.internal.Catalogue.DUMP;
import static org.blocklayer.shell.internal.Catalogue.FLUSH;
import static org.blocklayer.shell.internal.Catalogue.READ;
import static org.blocklayer.shell.internal.Catalogue.REFRESH;
import static org.blocklayer.shell.internal.Catalogue.RESIZE;
import static org.blocklayer.shell.internal.Catalogue.WRITE;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * qemu-io style commands of scope {@code block}: read (with -P pattern check), write (-P pattern, -z zeroes), flush,
 * resize, refresh, dump. Sizes and offsets are numbers as qemu-io reads them. Large requests go in 1 MiB pieces,
 * after a check of the whole range, with live progress on the terminal when they take longer than a second.
 */
@Component(service = IoCommands.class)
@GogoCommand(scope = "block", function = {"read", "write", "flush", "resize", "refresh", "dump", "discard", "map"})
public final class IoCommands {
    static final int CHUNK = 1 << 20;
    /** Beyond this a dump is no longer something to read on a terminal. */
    static final int MAX_DUMP = 1 << 20;

    private final BlockGraph graph;
    private final ShellBackends backends;
    private final PrintStream progress;

    @Activate
    public IoCommands(@Reference BlockGraph graph, @Reference ShellBackends backends) {
        this(graph, backends, Progress.terminal());
    }

    IoCommands(BlockGraph graph, ShellBackends backends, PrintStream progress) {
        this.graph = graph;
        this.backends = backends;
        this.progress = progress;
    }

    public Object read(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return READ.help();
        }
        Usage.Parsed p = READ.parse(args);
        String[] w = p.exactly(List.of("NODE", "OFFSET", "LENGTH"));
        Integer expected = pattern(READ, p.value("--pattern"));
        long offset = size(READ, "OFFSET", w[1]);
        long length = size(READ, "LENGTH", w[2]);
        return reported(() -> transfer(w[0], offset, length, false, expected));
    }

    public Object write(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return WRITE.help();
        }
        Usage.Parsed p = WRITE.parse(args);
        String[] w = p.exactly(List.of("NODE", "OFFSET", "LENGTH"));
        boolean zero = p.has("--zero");
        Integer given = pattern(WRITE, p.value("--pattern"));
        if (zero && given != null) {
            throw WRITE.error("-P and -z exclude each other");
        }
        boolean unmap = p.has("--unmap");
        if (unmap && !zero) {
            throw WRITE.error("-u needs -z");
        }
        int fill = given == null ? 0xcd : given;
        long offset = size(WRITE, "OFFSET", w[1]);
        long length = size(WRITE, "LENGTH", w[2]);
        if (zero) {
            // qemu-io write -z: one write-zeroes request, which the driver may do without a buffer (B49).
            Set<RequestFlag> flags = unmap ? EnumSet.of(RequestFlag.MAY_UNMAP) : EnumSet.noneOf(RequestFlag.class);
            return reported(() -> {
                RequestRange.check(graph, w[0], "write", offset, length);
                long start = System.nanoTime();
                backends.with(w[0], false, blk -> {
                    blk.pwriteZeroes(offset, length, flags);
                    return null;
                });
                return new IoResult("wrote", offset, length, 1, System.nanoTime() - start);
            });
        }
        return reported(() -> transfer(w[0], offset, length, true, fill));
    }

    public Object discard(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.DISCARD.help();
        }
        String[] w = Catalogue.DISCARD.exactly(List.of("NODE", "OFFSET", "LENGTH"), args);
        long offset = size(Catalogue.DISCARD, "OFFSET", w[1]);
        long length = size(Catalogue.DISCARD, "LENGTH", w[2]);
        return reported(() -> {
            RequestRange.check(graph, w[0], "discard", offset, length);
            long start = System.nanoTime();
            backends.with(w[0], false, blk -> {
                blk.pdiscard(offset, length);
                return null;
            });
            return new IoResult("discard", offset, length, 1, System.nanoTime() - start);
        });
    }

    public Object map(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return Catalogue.MAP.help();
        }
        Usage.Parsed p = Catalogue.MAP.parse(args);
        String node = p.exactly(List.of("NODE"))[0];
        String output = p.value("--output");
        if (output != null && !output.equals("json") && !output.equals("human")) {
            throw Catalogue.MAP.error("--output takes human or json, not '" + Printable.of(output) + "'");
        }
        return reported(() -> {
            long length = graph.getLength(node);
            return new MapResult(backends.with(node, true, blk -> blk.map(0, length)), "json".equals(output));
        });
    }

    public Object flush(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return FLUSH.help();
        }
        String name = FLUSH.one("NODE", args);
        return reported(() -> backends.with(name, true, blk -> {
            blk.flush();
            return null;
        }));
    }

    public Object resize(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return RESIZE.help();
        }
        String[] w = RESIZE.exactly(List.of("NODE", "SIZE"), args);
        long size = size(RESIZE, "SIZE", w[1]);
        return reported(() -> new LengthResult(w[0], graph.resize(w[0], size)));
    }

    public Object refresh(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return REFRESH.help();
        }
        String name = REFRESH.one("NODE", args);
        return reported(() -> new LengthResult(name, graph.refresh(name)));
    }

    public Object dump(String... args) throws CommandException {
        if (Usage.asksHelp(args)) {
            return DUMP.help();
        }
        String[] w = DUMP.exactly(List.of("NODE", "OFFSET", "LENGTH"), args);
        long offset = size(DUMP, "OFFSET", w[1]);
        long length = size(DUMP, "LENGTH", w[2]);
        if (length > MAX_DUMP) {
            throw DUMP.error("LENGTH " + length + " is over the 1M a dump shows; use block:read");
        }
        return reported(() -> {
            RequestRange.check(graph, w[0], "read", offset, length);
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            backends.with(w[0], true, blk -> {
                blk.pread(offset, buf);
                return null;
            });
            return new DumpResult(offset, buf.array());
        });
    }

    /**
     * Reads or writes {@code length} bytes in pieces; checks or writes {@code pattern} (null: no check). The whole
     * range is checked first, as qemu-io's single request is, so that a request past the end moves no byte.
     */
    private IoResult transfer(String name, long offset, long length, boolean write, Integer pattern)
            throws BlockException {
        String what = write ? "write" : "read";
        long[] done = {0};
        try {
            return transfer(name, offset, length, write, pattern, done);
        } catch (BlockException e) {
            if (e.errno() != Errno.ECANCELED) {
                throw e;
            }
            // Taken: the interrupt must not outlive the command, Gogo's output channels close on it.
            Thread.interrupted();
            throw cancelled(name, what, done[0], length);
        }
    }

    private IoResult transfer(String name, long offset, long length, boolean write, Integer pattern, long[] done)
            throws BlockException {
        RequestRange.check(graph, name, write ? "write" : "read", offset, length);
        return backends.with(name, !write, blk -> transfer(blk, offset, length, write, pattern, done));
    }

    /** The pieces, through the node's backend. */
    private IoResult transfer(BlockBackend blk, long offset, long length, boolean write, Integer pattern, long[] done)
            throws BlockException {
        String what = write ? "write" : "read";
        Progress progress = new Progress(what, length, this.progress);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(length, 1)));
        long ops = 0;
        while (done[0] < length || ops == 0) {
            if (Thread.currentThread().isInterrupted()) {
                throw new BlockException(Errno.ECANCELED, "interrupted");
            }
            int n = (int) Math.min(buf.capacity(), length - done[0]);
            buf.clear().limit(n);
            if (write) {
                Arrays.fill(buf.array(), 0, n, (byte) (int) pattern);
                blk.pwrite(offset + done[0], buf);
            } else {
                blk.pread(offset + done[0], buf);
                if (pattern != null && !matches(buf.array(), n, pattern)) {
                    // qemu-io names the whole request, not the first differing byte, and fails with EINVAL.
                    throw new BlockException(Errno.EINVAL, "Pattern verification failed at offset " + offset + ", "
                            + length + " bytes");
                }
            }
            done[0] += n;
            ops++;
            progress.update(done[0]);
            if (length == 0) {
                break;
            }
        }
        progress.finish(done[0]);
        return new IoResult(write ? "wrote" : "read", offset, length, ops, progress.elapsedNanos());
    }

    /** Ctrl-C: the piece in flight has finished (or failed) in its AioContext; nothing after it was started. */
    private static BlockException cancelled(String name, String what, long done, long length) {
        return new BlockException(Errno.ECANCELED, name, null, what + " cancelled after " + done + " of " + length
                + " bytes");
    }

    private static boolean matches(byte[] data, int n, int pattern) {
        for (int i = 0; i < n; i++) {
            if ((data[i] & 0xff) != pattern) {
                return false;
            }
        }
        return true;
    }

    private static Integer pattern(Usage usage, String text) throws CommandException {
        if (text == null) {
            return null;
        }
        try {
            int v = text.startsWith("0x") || text.startsWith("0X") ? Integer.parseInt(text.substring(2), 16)
                    : Integer.parseInt(text);
            if (v < 0 || v > 255) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw usage.error("PATTERN must be a byte, 0 to 255 or 0x00 to 0xff, not '" + Printable.of(text) + "'");
        }
    }

    private static long size(Usage usage, String what, String text) throws CommandException {
        try {
            return BlockOptions.parseSize(what, text);
        } catch (BlockException e) {
            throw usage.error(e.getMessage());
        }
    }

    /** Runs a block-layer call; its {@link BlockException} becomes the shell's report of it, as it is. */
    static <T> T reported(Call<T> call) throws CommandException {
        try (CtrlC ctrlC = CtrlC.interruptsThisThread()) {
            return call.call();
        } catch (BlockException e) {
            throw CommandException.of(e);
        }
    }

    @FunctionalInterface
    interface Call<T> {
        T call() throws BlockException;
    }
}
