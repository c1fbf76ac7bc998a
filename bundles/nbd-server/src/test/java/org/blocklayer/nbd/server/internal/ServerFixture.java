package org.blocklayer.nbd.server.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;

/** Core without OSGi, with the file and raw drivers and the NBD server on a unix socket in a temp dir. */
final class ServerFixture implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    /** The file driver the graph starts with; a test may swap it (X6). */
    final FileDriver file = new FileDriver();
    final NbdServerService server;
    final Path dir;
    final Path socket;

    ServerFixture(Path dir) throws BlockException {
        this(dir, Duration.ofSeconds(5), 0);
    }

    ServerFixture(Path dir, Duration handshakeTimeout, int maxConnections) throws BlockException {
        this.dir = dir;
        graph.addDriver(file, "org.blocklayer.driver.file", "test");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        server = new NbdServerService(scheduler, graph, graph, handshakeTimeout);
        socket = dir.resolve("nbd.sock");
        server.startNbdServer("unix:" + socket, maxConnections);
    }

    /** A raw image file of {@code size} bytes, sparse. */
    Path image(String name, long size) throws IOException {
        Path p = dir.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    BlockNode open(Path image, String node, boolean writable) throws BlockException {
        return graph.open(null, BlockOptions.parse("driver=raw,node-name=" + node + ",file.driver=file,"
                + "file.filename=" + image), writable ? OpenFlags.RDWR : 0);
    }

    ExportInfo export(String node, String name, boolean writable) throws BlockException {
        return server.add(new ExportOptions(node, name, writable, null, ExportOptions.MultiConn.AUTO));
    }

    /** Moves the server to TCP on 127.0.0.1 (a free port); returns {@code nbd://127.0.0.1:PORT}. */
    String onTcp() throws BlockException {
        server.stopNbdServer();
        String address = server.startNbdServer("inet:127.0.0.1:0", 0).address();
        return "nbd://" + address.substring("inet:".length());
    }

    /** Writes {@code length} bytes of {@code value} at {@code offset} of a file, outside blocklayer. */
    static void fill(Path file, long offset, int length, int value) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] b = new byte[length];
            java.util.Arrays.fill(b, (byte) value);
            f.seek(offset);
            f.write(b);
        }
    }

    /** {@code nbd+unix:///NAME?socket=...}, the URI qemu-img, qemu-io and libnbd's tools take. */
    String uri(String export) {
        return "nbd+unix:///" + export + "?socket=" + socket;
    }

    @Override
    public void close() {
        server.deactivate();
        for (int pass = 0; pass < 3 && !graph.nodes().isEmpty(); pass++) {
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

    static void delete(Path p) throws IOException {
        Files.deleteIfExists(p);
    }
}
