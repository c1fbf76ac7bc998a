package org.blocklayer.core.internal.graph;

import java.util.Collection;
import java.util.List;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.lock.GraphLock;
import org.osgi.framework.Bundle;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkUtil;

/**
 * The driver whiteboard: {@code BlockDriver} services coming and going. A driver that arrives is listed for
 * {@code driver=} and protocol prefixes, and takes back the nodes a driver of its name left (X2: a bundle update is
 * a live driver upgrade); a driver that leaves takes the medium of its nodes with it (X1), which then wait for its
 * successor. QEMU has no such thing: its drivers are linked in.
 */
final class DriverWhiteboard {
    private final Graph graph;
    private final DriverRegistry drivers;
    private final Collection<BlockDriverState> nodes;
    /** Told after each driver arrives and has taken its nodes back: declared nodes waiting for it retry then. */
    private final List<Runnable> arrivals;

    DriverWhiteboard(Graph graph, DriverRegistry drivers, Collection<BlockDriverState> nodes,
                     List<Runnable> arrivals) {
        this.graph = graph;
        this.drivers = drivers;
        this.nodes = nodes;
        this.arrivals = arrivals;
    }

    /** Any thread: lists the driver, reattaches the nodes waiting for its name, then tells the listeners. */
    void add(BlockDriver driver, String bundle, String version) {
        drivers.add(driver, bundle, version);
        graph.log().debug("driver {} registered by {} {}", driver.formatName(), bundle, version);
        try {
            graph.scheduler().inMainLoop(() -> {
                reattach(driver);
                return null;
            });
        } catch (BlockException e) {
            graph.log().warn("reattaching nodes to driver {}: {}", driver.formatName(), e.describe());
        }
        arrivals.forEach(Runnable::run);
    }

    /**
     * Any thread: the nodes using the driver lose their medium (ENOMEDIUM) until a driver of that name comes back,
     * at once when one is registered already (DS binds a replacement before it unbinds the old one). While the
     * framework stops, the driver is only forgotten: every node goes with the framework.
     */
    void remove(BlockDriver driver) {
        if (frameworkStopping()) {
            drivers.remove(driver);
            return;
        }
        try {
            // One main-loop step, nodes first: once the driver is no longer listed, no node still uses it, and no
            // open (main loop too) can pick it up in between.
            graph.scheduler().inMainLoop(() -> {
                detach(driver);
                drivers.remove(driver);
                BlockDriver successor = drivers.find(driver.formatName());
                if (successor != null) {
                    reattach(successor);
                }
                return null;
            });
        } catch (BlockException e) {
            graph.log().warn("detaching driver {}: {}", driver.formatName(), e.describe());
        }
    }

    /** Calls {@code listener} after every driver registration; returns what removes it. */
    AutoCloseable onArrival(Runnable listener) {
        arrivals.add(listener);
        return () -> arrivals.remove(listener);
    }

    /** The registered drivers, each with how many nodes use it. */
    @GlobalStateCode
    List<DriverInfo> infos() {
        return drivers.infos().stream().map(d -> new DriverInfo(d.name(), d.kind(), d.bundle(), d.version(),
                (int) nodes.stream().filter(bs -> d.name().equals(bs.driverName())).count())).toList();
    }

    /**
     * X1: nodes using {@code driver} flush what they acknowledged, then, under the write lock (which drains the
     * graph and waits for every request in flight), lose their driver; they remember its name for X2.
     */
    @GlobalStateCode
    private void detach(BlockDriver driver) {
        List<BlockDriverState> users = nodes.stream().filter(bs -> bs.driver() == driver).toList();
        if (users.isEmpty()) {
            return;
        }
        for (BlockDriverState bs : users) {
            try {
                ContextLocks.holding(bs.aioContext(), () -> {
                    NodeIo.flush(bs);
                    return null;
                });
            } catch (BlockException | RuntimeException e) {
                graph.log().warn("node {}: flush before detaching driver {} failed: {}",
                        bs.nodeName(), driver.formatName(), e.getMessage());
            }
        }
        String version = drivers.version(driver);
        try (GraphLock.Writer w = graph.wrlock()) {
            for (BlockDriverState bs : users) {
                graph.release().closeDriverQuietly(bs);
                bs.medium().setGoneDriver(driver.formatName());
            }
        }
        for (BlockDriverState bs : users) {
            graph.log().warn("node {}: no medium, driver {} gone", bs.nodeName(), driver.formatName());
            graph.events().detached(bs, driver.formatName(), version, "driver " + driver.formatName() + " gone");
        }
    }

    /** X2: reopens every node a driver of this name left, with the options it was opened with. */
    @GlobalStateCode
    private void reattach(BlockDriver driver) {
        for (BlockDriverState bs : List.copyOf(nodes)) {
            if (bs.driver() == null && driver.formatName().equals(bs.medium().goneDriver())) {
                try {
                    graph.opener().reopenDriver(bs, driver);
                    bs.medium().setGoneDriver(null);
                    // The new driver instance holds nothing yet: its users' permissions (image locks) again.
                    graph.release().relaxPermissions(bs);
                    graph.log().info("node {}: driver {} is back", bs.nodeName(), driver.formatName());
                    graph.events().reattached(bs, driver.formatName(), drivers.version(driver));
                } catch (BlockException | RuntimeException e) {
                    graph.log().warn("node {}: driver {} is back but cannot reopen it: {}",
                            bs.nodeName(), driver.formatName(), e.getMessage());
                }
            }
        }
        graph.mediumWaiters().restartAll();
    }

    private static boolean frameworkStopping() {
        Bundle self = FrameworkUtil.getBundle(Graph.class);
        if (self == null || self.getBundleContext() == null) {
            return false;
        }
        Bundle system = self.getBundleContext().getBundle(Constants.SYSTEM_BUNDLE_LOCATION);
        return system != null && system.getState() == Bundle.STOPPING;
    }
}
