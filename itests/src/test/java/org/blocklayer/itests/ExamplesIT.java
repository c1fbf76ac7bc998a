package org.blocklayer.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import javax.inject.Inject;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.RequestFlag;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.cm.ConfigurationAdmin;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;

/**
 * The README's two example bundles (itests/examples), installed next to api, core, posix, file and raw: the disk
 * component ({@code org.blocklayer.example.disk}) opens the image its configuration names, writes its greeting and
 * follows its file driver away and back; the memory driver ({@code org.blocklayer.example.memory}) serves nodes of its
 * own, with write zeroes as a capability.
 *
 * <p>No sleeps: every wait blocks on a queue or latch fed by service or Event Admin callbacks, with a bound.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ExamplesIT extends TestSupport {

    public static final String EXAMPLE_DISK = "blocklayer.bundle.example.disk";
    public static final String EXAMPLE_MEMORY = "blocklayer.bundle.example.memory";
    /** The example's own names: its configuration PID and the service property of the backend it offers. */
    private static final String DISK_PID = "org.blocklayer.example.disk";
    private static final String DISK_PROPERTY = "example.disk";
    private static final String SEEN_PROPERTY = "example.disk.seen";
    private static final long TIMEOUT_MS = 10_000;

    @Inject
    private ConfigurationAdmin configAdmin;

    /** A test's own event handler, if it registered one. */
    private ServiceRegistration<EventHandler> handler;

    @After
    public void unregisterHandler() {
        if (handler != null) {
            handler.unregister();
        }
    }

    @Configuration
    @Override
    public Option[] config() {
        return OptionUtils.combine(super.config(), options(
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                reactorBundle(EXAMPLE_DISK),
                reactorBundle(EXAMPLE_MEMORY)));
    }

    @Test
    public void exampleDiskWritesItsGreetingAndWithdrawsItsDiskWhileTheFileDriverIsAway() throws Exception {
        Path image = sparseImage("example.raw", 1 << 20);
        String greeting = "hello from ExamplesIT";
        CountDownLatch closed = new CountDownLatch(1);
        handler = onEvent("CLOSED", "example", e -> closed.countDown());
        OfferedDisk offered = new OfferedDisk("example");
        offered.open();
        var config = configAdmin.getConfiguration(DISK_PID, "?"); // "?": any bundle may use it, not just ours
        try {
            Hashtable<String, Object> properties = new Hashtable<>();
            properties.put("image", image.toString());
            properties.put("greeting", greeting);
            config.update(properties);

            // 1. Configured, the component opens its node and offers its backend: its greeting is on the disk.
            offered.next("offered", this::diskComponent);
            byte[] expected = greeting.getBytes(StandardCharsets.UTF_8);
            ByteBuffer read = ByteBuffer.allocate(expected.length);
            try (BlockBackend reader = backends.attach("example", "", EnumSet.of(Permission.CONSISTENT_READ),
                    Permission.ALL)) {
                reader.pread(0, read);
            }
            assertArrayEquals("the greeting, through another backend", expected, read.array());
            assertArrayEquals("the greeting, flushed to the image file", expected,
                    Arrays.copyOf(Files.readAllBytes(image), expected.length));

            // 2. The file driver goes: the component sees DETACHED and withdraws its disk. Only then does the driver
            // come back, and the component, seeing REATTACHED, offers the disk again.
            String child = graph.info("example").fileChild();
            Bundle fileDriver = bundle("org.blocklayer.driver.file");
            fileDriver.stop();
            try {
                offered.next("withdrawn");
            } finally {
                fileDriver.start();
            }
            ServiceReference<BlockBackend> again = offered.next("offered");
            List<String> seen = List.of((String[]) again.getProperty(SEEN_PROPERTY));
            assertTrue("the component saw " + seen, seen.size() >= 2);
            assertEquals(List.of("DETACHED " + child, "REATTACHED " + child), seen.subList(seen.size() - 2,
                    seen.size()));
            BlockBackend disk = bundleContext.getService(again);
            try {
                assertEquals("the offered backend works again", 1 << 20, disk.getLength());
            } finally {
                bundleContext.ungetService(again);
            }
        } finally {
            config.delete();
            offered.close();
        }
        // 3. Without its configuration the component goes, and closes its node.
        assertTrue("CLOSED example within " + TIMEOUT_MS + " ms", closed.await(TIMEOUT_MS, TimeUnit.MILLISECONDS));
    }

    @Test
    public void memoryDriverAnswersLengthAndIoAndWritesZeroesItself() throws Exception {
        // The example bundle started before this test, and core binds drivers as they register: it is known.
        ServiceTracker<BlockDriver, BlockDriver> drivers = new ServiceTracker<>(bundleContext,
                bundleContext.createFilter("(&(objectClass=" + BlockDriver.class.getName() + ")("
                        + BlockDriver.FORMAT_PROPERTY + "=memory))"), null);
        drivers.open();
        try {
            assertNotNull("a memory driver service", drivers.waitForService(TIMEOUT_MS));
        } finally {
            drivers.close();
        }
        DriverInfo memory = graph.drivers().stream().filter(d -> d.name().equals("memory")).findFirst()
                .orElseThrow(() -> new AssertionError("no memory driver in " + graph.drivers()));
        assertEquals("protocol", memory.kind());
        assertEquals("org.blocklayer.example.memory", memory.bundle());

        graph.open(null, BlockOptions.parse("driver=memory,size=1M,node-name=mem"), OpenFlags.RDWR);
        try (BlockBackend disk = backends.attach("mem", "", EnumSet.of(Permission.CONSISTENT_READ,
                Permission.WRITE), Permission.ALL)) {
            assertEquals(1 << 20, disk.getLength());
            byte[] pattern = new byte[4096];
            Arrays.fill(pattern, (byte) 0x5a);
            disk.pwrite(8192, ByteBuffer.wrap(pattern));
            assertArrayEquals(pattern, readAt(disk, 8192, 4096));

            // NO_FALLBACK: core would answer ENOTSUP rather than write a zeroed buffer, so this succeeds only
            // through the driver's WriteZeroes capability.
            disk.pwriteZeroes(8192 + 1024, 2048, EnumSet.of(RequestFlag.NO_FALLBACK));
            Arrays.fill(pattern, 1024, 3072, (byte) 0);
            assertArrayEquals(pattern, readAt(disk, 8192, 4096));
        } finally {
            graph.close("mem");
        }

        try {
            graph.open(null, BlockOptions.parse("driver=memory"), OpenFlags.RDWR);
            fail("a memory node without a size");
        } catch (BlockException e) {
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage(), e.getMessage().contains("'size'"));
        }
    }

    private static byte[] readAt(BlockBackend disk, long offset, int bytes) throws BlockException {
        ByteBuffer buf = ByteBuffer.allocate(bytes);
        disk.pread(offset, buf);
        return buf.array();
    }

    /** Registers {@code handler} for the node events on {@code topic} about {@code node}. */
    private ServiceRegistration<EventHandler> onEvent(String topic, String node, EventHandler handler) {
        Hashtable<String, Object> properties = new Hashtable<>();
        properties.put(EventConstants.EVENT_TOPIC, "org/blocklayer/node/" + topic);
        properties.put(EventConstants.EVENT_FILTER, "(node=" + node + ")");
        return bundleContext.registerService(EventHandler.class, handler, properties);
    }

    /**
     * The BlockBackend service the example disk offers, followed as it comes ("offered") and goes ("withdrawn"),
     * in the order the framework reports it. Property changes (a new event seen) are not counted.
     */
    private final class OfferedDisk extends ServiceTracker<BlockBackend, ServiceReference<BlockBackend>> {
        private final BlockingQueue<Object[]> changes = new LinkedBlockingQueue<>();

        OfferedDisk(String node) throws Exception {
            super(bundleContext, bundleContext.createFilter("(&(objectClass=" + BlockBackend.class.getName() + ")("
                    + DISK_PROPERTY + "=" + node + "))"), null);
        }

        @Override
        public ServiceReference<BlockBackend> addingService(ServiceReference<BlockBackend> reference) {
            changes.add(new Object[] {"offered", reference});
            return reference;
        }

        @Override
        public void removedService(ServiceReference<BlockBackend> reference, ServiceReference<BlockBackend> s) {
            changes.add(new Object[] {"withdrawn", reference});
        }

        /** Waits for the next change, which must be {@code kind}; its service reference. */
        ServiceReference<BlockBackend> next(String kind) throws InterruptedException {
            return next(kind, () -> "");
        }

        /** {@link #next(String)}, with {@code diagnosis} in the message when nothing comes. */
        @SuppressWarnings("unchecked")
        ServiceReference<BlockBackend> next(String kind, Supplier<String> diagnosis) throws InterruptedException {
            Object[] change = changes.poll(TIMEOUT_MS, TimeUnit.MILLISECONDS);
            if (change == null) {
                fail("the example disk " + kind + " within " + TIMEOUT_MS + " ms" + diagnosis.get());
            }
            assertEquals("the next change of the example disk's service", kind, change[0]);
            return (ServiceReference<BlockBackend>) change[1];
        }
    }

    /** What SCR says of the example disk component: its state and, when it failed, why. */
    private String diskComponent() {
        ServiceTracker<ServiceComponentRuntime, ServiceComponentRuntime> scr = new ServiceTracker<>(bundleContext,
                ServiceComponentRuntime.class, null);
        scr.open();
        try {
            ServiceComponentRuntime runtime = scr.getService();
            if (runtime == null) {
                return "; no ServiceComponentRuntime";
            }
            StringBuilder sb = new StringBuilder();
            for (ComponentDescriptionDTO d : runtime.getComponentDescriptionDTOs(bundle("org.blocklayer.example.disk"))) {
                sb.append("; ").append(d.name).append(" enabled=").append(runtime.isComponentEnabled(d));
                for (ComponentConfigurationDTO c : runtime.getComponentConfigurationDTOs(d)) {
                    sb.append(", state ").append(c.state).append(c.failure == null ? "" : ", failure " + c.failure);
                }
            }
            return sb.toString();
        } finally {
            scr.close();
        }
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : bundleContext.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        throw new AssertionError("no bundle " + symbolicName);
    }
}
