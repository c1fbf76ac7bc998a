package org.blocklayer.shell.internal;

import java.nio.ByteBuffer;
import java.util.List;

import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

/**
 * qemu-io style commands of scope {@code block}: read (with -P pattern check), write (-P pattern, -z zeroes), flush,
 * resize, refresh, dump. Sizes and offsets take K/M/G/T suffixes. Large requests go in 1 MiB pieces, with progress
 * on the error stream when they take longer than a second.
 */
@Component(service = IoCommands.class)
@GogoCommand(scope = "block", function = {"read", "write", "flush", "resize", "refresh", "dump"})
public final class IoCommands {
    static final int CHUNK = 1 << 20;
    /** Beyond this a dump is no longer something to read on a terminal. */
    static final int MAX_DUMP = 1 << 20;
    private static final Usage READ = new Usage("read", "[-P PATTERN] NODE OFFSET LENGTH");
    private static final Usage WRITE = new Usage("write", "[-P PATTERN | -z] NODE OFFSET LENGTH");
    private static final Usage FLUSH = new Usage("flush", "NODE");
    private static final Usage RESIZE = new Usage("resize", "NODE SIZE");
    private static final Usage REFRESH = new Usage("refresh", "NODE");
    private static final Usage DUMP = new Usage("dump", "NODE OFFSET LENGTH");

    private final BlockGraph graph;

    @Activate
    public IoCommands(@Reference BlockGraph graph) {
        this.graph = graph;
    }

    @Descriptor("read LENGTH bytes at OFFSET (qemu-io read); with -P, check that every byte equals PATTERN")
    public IoResult read(
            @Descriptor("the byte every read byte must equal (decimal or 0x hex), as qemu-io's -P")
            @Parameter(names = {"-P", "--pattern"}, absentValue = "") String pattern,
            @Descriptor("NODE OFFSET LENGTH: offset and length take K/M/G/T suffixes") String... args)
            throws CommandException {
        String[] w = READ.exactly(List.of("NODE", "OFFSET", "LENGTH"), args);
        Integer expected = pattern(READ, READ.flagValue("-P", "PATTERN", pattern));
        long offset = size(READ, "OFFSET", w[1]);
        long length = size(READ, "LENGTH", w[2]);
        return reported(() -> transfer(w[0], offset, length, false, expected));
    }

    @Descriptor("write LENGTH bytes at OFFSET (qemu-io write): the byte PATTERN (default 0xcd, as qemu-io), or zeroes")
    public IoResult write(
            @Descriptor("the byte to write (decimal or 0x hex)")
            @Parameter(names = {"-P", "--pattern"}, absentValue = "") String pattern,
            @Descriptor("write zeroes")
            @Parameter(names = {"-z", "--zero"}, absentValue = "false", presentValue = "true") boolean zero,
            @Descriptor("NODE OFFSET LENGTH: offset and length take K/M/G/T suffixes") String... args)
            throws CommandException {
        String[] w = WRITE.exactly(List.of("NODE", "OFFSET", "LENGTH"), args);
        String p = WRITE.flagValue("-P", "PATTERN", pattern);
        if (zero && !p.isEmpty()) {
            throw WRITE.error("-P and -z exclude each other");
        }
        int fill = zero ? 0 : p.isEmpty() ? 0xcd : pattern(WRITE, p);
        long offset = size(WRITE, "OFFSET", w[1]);
        long length = size(WRITE, "LENGTH", w[2]);
        return reported(() -> transfer(w[0], offset, length, true, fill));
    }

    @Descriptor("flush a node's data to stable storage (bdrv_flush)")
    public void flush(@Descriptor("NODE: the node name") String... args) throws CommandException {
        String name = FLUSH.one("NODE", args);
        reported(() -> {
            graph.node(name).flush();
            return null;
        });
    }

    @Descriptor("resize a node to SIZE bytes (block_resize) and print its new length")
    public LengthResult resize(@Descriptor("NODE SIZE: SIZE takes K/M/G/T suffixes") String... args)
            throws CommandException {
        String[] w = RESIZE.exactly(List.of("NODE", "SIZE"), args);
        long size = size(RESIZE, "SIZE", w[1]);
        return reported(() -> new LengthResult(w[0], graph.resize(w[0], size)));
    }

    @Descriptor("ask the driver for the length again (bdrv_refresh_total_sectors) and print it; a device resized"
            + " underneath shows its new size here, while block:length keeps the cached one")
    public LengthResult refresh(@Descriptor("NODE: the node name") String... args) throws CommandException {
        String name = REFRESH.one("NODE", args);
        return reported(() -> new LengthResult(name, graph.refresh(name)));
    }

    @Descriptor("print LENGTH bytes at OFFSET as a hex dump (as qemu-io read -v); at most 1M")
    public DumpResult dump(@Descriptor("NODE OFFSET LENGTH: offset and length take K/M/G/T suffixes") String... args)
            throws CommandException {
        String[] w = DUMP.exactly(List.of("NODE", "OFFSET", "LENGTH"), args);
        long offset = size(DUMP, "OFFSET", w[1]);
        long length = size(DUMP, "LENGTH", w[2]);
        if (length > MAX_DUMP) {
            throw DUMP.error("LENGTH " + length + " is over the 1M a dump shows; use block:read");
        }
        return reported(() -> {
            ByteBuffer buf = ByteBuffer.allocate((int) length);
            graph.node(w[0]).pread(offset, buf, 0);
            return new DumpResult(offset, buf.array());
        });
    }

    /** Reads or writes {@code length} bytes in chunks; checks or writes {@code pattern} (null: no check). */
    private IoResult transfer(String name, long offset, long length, boolean write, Integer pattern)
            throws BlockException {
        BlockNode node = graph.node(name);
        Progress progress = new Progress(write ? "write" : "read", length, System.err);
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK, Math.max(length, 1)));
        long done = 0;
        long ops = 0;
        while (done < length || ops == 0) {
            int n = (int) Math.min(buf.capacity(), length - done);
            buf.clear().limit(n);
            if (write) {
                java.util.Arrays.fill(buf.array(), 0, n, (byte) (int) pattern);
                node.pwrite(offset + done, buf, 0);
            } else {
                node.pread(offset + done, buf, 0);
                if (pattern != null && !matches(buf.array(), n, pattern)) {
                    // qemu-io names the whole request, not the first differing byte, and fails with EINVAL.
                    throw new BlockException(Errno.EINVAL, "Pattern verification failed at offset " + offset + ", "
                            + length + " bytes");
                }
            }
            done += n;
            ops++;
            progress.update(done);
            if (length == 0) {
                break;
            }
        }
        return new IoResult(write ? "wrote" : "read", offset, length, ops, progress.elapsedNanos());
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
        if (text.isEmpty()) {
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
            throw usage.error("PATTERN must be a byte, 0 to 255 or 0x00 to 0xff, not '" + text + "'");
        }
    }

    private static long size(Usage usage, String what, String text) throws CommandException {
        try {
            return BlockOptions.parseSize(what, text);
        } catch (BlockException e) {
            throw usage.error(e.getMessage());
        }
    }

    private static <T> T reported(Call<T> call) throws CommandException {
        try {
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
