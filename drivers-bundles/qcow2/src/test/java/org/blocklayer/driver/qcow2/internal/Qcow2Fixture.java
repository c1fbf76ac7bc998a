package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.junit.jupiter.params.provider.Arguments;

/** Core without OSGi, with the file, raw and qcow2 drivers; QEMU's tools, run as processes, are the oracle. */
final class Qcow2Fixture implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    final Qcow2Driver qcow2 = new Qcow2Driver(scheduler);
    final Path dir;
    private final List<BlockBackend> backends = new ArrayList<>();

    Qcow2Fixture(Path dir) {
        this.dir = dir;
        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        graph.addDriver(qcow2, "org.blocklayer.driver.qcow2", "test");
    }

    /** Opens {@code image} by its name, the format left to the probe, as {@code block:open FILE} does. */
    BlockNode open(Path image, String node, boolean writable, String extra) throws BlockException {
        String options = "node-name=" + node + (extra.isEmpty() ? "" : "," + extra);
        return graph.open(image.toString(), BlockOptions.parse(options), writable ? OpenFlags.RDWR : 0);
    }

    /** The driver's state of a qcow2 node. */
    Qcow2State qcow2State(String node) throws BlockException {
        return ((org.blocklayer.api.driver.DriverNode) graph.node(node)).opaque(Qcow2State.class);
    }

    BlockBackend backend(String node, boolean writable) throws BlockException {
        EnumSet<Permission> taken = writable ? EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE,
                Permission.RESIZE) : EnumSet.of(Permission.CONSISTENT_READ);
        BlockBackend blk = graph.attach(node, "", taken, EnumSet.allOf(Permission.class));
        backends.add(blk);
        return blk;
    }

    /** Every byte of the node, read through a backend. */
    byte[] readAll(BlockBackend blk) throws BlockException {
        long length = blk.getLength();
        byte[] out = new byte[(int) length];
        int chunk = 1 << 20;
        for (int at = 0; at < out.length; at += chunk) {
            blk.pread(at, ByteBuffer.wrap(out, at, Math.min(chunk, out.length - at)));
        }
        return out;
    }

    /** What QEMU reads of {@code image}: {@code qemu-img convert -O raw}. */
    byte[] qemuBytes(Path image) throws Exception {
        Path raw = dir.resolve("oracle-" + System.nanoTime() + ".raw");
        run("qemu-img", "convert", "-U", "-O", "raw", image.toString(), raw.toString()).ok();
        byte[] b = Files.readAllBytes(raw);
        Files.delete(raw);
        return b;
    }

    record Result(int status, String out) {
        Result ok() {
            if (status != 0) {
                throw new AssertionError("exit " + status + ": " + out);
            }
            return this;
        }
    }

    static Result run(String... cmd) throws IOException, InterruptedException {
        Needs.tool(cmd[0], "qemu-utils");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + List.of(cmd));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** {@code qemu-img check --output=json}: exit status 0, no leaks, no corruptions. */
    static void assertChecksClean(Path image) throws Exception {
        Result check = run("qemu-img", "check", "--output=json", image.toString());
        assertThat(check.status()).as(check.out()).isZero();
        assertThat(check.out()).doesNotContain("\"leaks\"")
                .doesNotContain("\"corruptions\"");
    }

    /** Every qcow2 version and cluster size from 512 bytes to 2 MiB, for the tests that run on each. */
    static Stream<Arguments> layouts() {
        List<Arguments> list = new ArrayList<>();
        for (String compat : List.of("0.10", "1.1")) {
            for (int cluster : List.of(512, 4096, 65536, 2 * 1024 * 1024)) {
                list.add(Arguments.of(compat, cluster));
            }
        }
        return list.stream();
    }

    /** {@code qemu-io -c CMD...} on an image. */
    static void qemuIo(Path image, String format, String... commands) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("qemu-io", "-f", format));
        for (String c : commands) {
            cmd.add("-c");
            cmd.add(c);
        }
        cmd.add(image.toString());
        run(cmd.toArray(String[]::new)).ok();
    }

    @Override
    public void close() {
        for (BlockBackend b : backends) {
            b.close();
        }
        for (int pass = 0; pass < 4 && !graph.nodes().isEmpty(); pass++) {
            for (var n : graph.nodes().reversed()) {
                try {
                    graph.close(n.node());
                } catch (BlockException | RuntimeException e) {
                    // a child of a node closed in this pass: the next one takes it
                }
            }
        }
        scheduler.close();
    }
}
