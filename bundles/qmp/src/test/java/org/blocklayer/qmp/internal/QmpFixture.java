package org.blocklayer.qmp.internal;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.qcow2.internal.Qcow2Driver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.blocklayer.nbd.server.internal.NbdServerService;
import org.osgi.service.event.Event;

/**
 * Core without OSGi, the file, raw and qcow2 drivers, the NBD server, and the QMP server on a unix socket in a temp
 * dir; export deletions reach the QMP server as Event Admin would bring them.
 */
final class QmpFixture implements AutoCloseable {
    final Scheduler scheduler = new Scheduler();
    final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    final NbdServerService exports;
    final QmpServer server;
    final Path dir;
    final Path socket;
    final CountDownLatch quit = new CountDownLatch(1);
    private final AutoCloseable deletions;

    QmpFixture(Path dir) throws BlockException, IOException {
        this(dir, Map.of());
    }

    QmpFixture(Path dir, Map<String, Object> extraConfig) throws BlockException, IOException {
        this.dir = dir;
        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        graph.addDriver(new Qcow2Driver(scheduler), "org.blocklayer.driver.qcow2", "test");
        exports = new NbdServerService(scheduler, graph, graph);
        socket = dir.resolve("qmp.sock");
        Map<String, Object> config = new java.util.HashMap<>(extraConfig);
        config.put("unix", socket.toString());
        server = new QmpServer("2.0.0.test", config, null, quit::countDown, scheduler, graph, graph, exports);
        deletions = exports.onDelete(name -> server.handleEvent(
                new Event("org/blocklayer/export/DELETED", Map.of("name", name))));
    }

    QmpTestClient connect() throws IOException {
        return QmpTestClient.connect(socket);
    }

    /** A client past {@code qmp_capabilities}. */
    QmpTestClient negotiated() throws IOException {
        QmpTestClient c = connect();
        c.greeting();
        c.command("qmp_capabilities");
        return c;
    }

    @Override
    public void close() throws Exception {
        deletions.close();
        server.deactivate();
        try {
            exports.stopNbdServer();
        } catch (BlockException e) {
            // not running
        }
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
}
