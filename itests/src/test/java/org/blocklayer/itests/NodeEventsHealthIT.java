package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.apache.felix.hc.api.HealthCheck;
import org.apache.felix.hc.api.Result;
import org.apache.felix.hc.api.execution.HealthCheckExecutionResult;
import org.apache.felix.hc.api.execution.HealthCheckExecutor;
import org.apache.felix.hc.api.execution.HealthCheckSelector;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.event.Event;
import org.osgi.service.event.EventAdmin;
import org.osgi.service.event.EventConstants;
import org.osgi.service.event.EventHandler;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Core's node events on Event Admin and the health bundle's checks, in a framework, through a driver leaving and
 * coming back: OPENED, then DETACHED with the node's check CRITICAL, then REATTACHED with it OK, then CLOSED with
 * the check gone.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class NodeEventsHealthIT extends TestSupport {

    public static final String HEALTH = "blocklayer.bundle.health";
    private static final long TIMEOUT_MS = 10_000;

    private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private ServiceRegistration<EventHandler> handler;

    @Configuration
    @Override
    public Option[] config() {
        return OptionUtils.combine(super.config(), options(
                mavenBundle("org.slf4j", "slf4j-api").versionAsInProject(),
                mavenBundle("org.slf4j", "slf4j-simple").versionAsInProject(),
                mavenBundle("jakarta.servlet", "jakarta.servlet-api").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.servlet").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.api").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.healthcheck.core").versionAsInProject(),
                reactorBundle(HEALTH)));
    }

    @Before
    public void listen() throws InterruptedException {
        // Core binds Event Admin dynamically: an open before it is bound posts nothing. Wait for the service, which
        // SCR hands to core synchronously when it registers.
        ServiceTracker<EventAdmin, EventAdmin> admins = new ServiceTracker<>(bundleContext, EventAdmin.class, null);
        admins.open();
        try {
            assertNotNull("an Event Admin within " + TIMEOUT_MS + " ms", admins.waitForService(TIMEOUT_MS));
        } finally {
            admins.close();
        }
        Dictionary<String, Object> properties = new Hashtable<>();
        properties.put(EventConstants.EVENT_TOPIC, "org/blocklayer/node/*");
        handler = bundleContext.registerService(EventHandler.class, events::add, properties);
    }

    @After
    public void stopListening() {
        handler.unregister();
    }

    @Test
    public void nodeEventsAndHealthFollowADriverLeavingAndComingBack() throws Exception {
        Path image = sparseImage("health.raw", 65537);
        BlockNode node = graph.open(image.toString(), new BlockOptions().put("node-name", "hc"), OpenFlags.RDWR);
        String child = node.file().node().nodeName();

        Event opened = next("OPENED", "hc");
        assertEquals("raw", opened.getProperty("driver"));
        assertEquals("main", opened.getProperty("aio-context"));
        assertEquals(bundle("org.blocklayer.driver.raw").getVersion().toString(), opened.getProperty("driver.version"));
        assertEquals(Result.Status.OK, checkOf("blocklayer node hc").getStatus());
        assertEquals(Result.Status.OK, checkOf("blocklayer node " + child).getStatus());

        Bundle fileDriver = bundle("org.blocklayer.driver.file");
        fileDriver.stop();
        try {
            Event detached = next("DETACHED", child);
            assertEquals("file", detached.getProperty("driver"));
            assertEquals("driver file gone", detached.getProperty("reason"));
            Result gone = checkOf("blocklayer node " + child);
            assertEquals(Result.Status.CRITICAL, gone.getStatus());
            assertTrue(gone.toString(), gone.toString().contains("no medium: driver file gone"));
            assertEquals(Result.Status.CRITICAL, checkOf("blocklayer driver file").getStatus());
        } finally {
            fileDriver.start();
        }
        Event reattached = next("REATTACHED", child);
        assertEquals(fileDriver.getVersion().toString(), reattached.getProperty("driver.version"));
        assertEquals(Result.Status.OK, checkOf("blocklayer node " + child).getStatus());
        assertEquals(Result.Status.OK, checkOf("blocklayer driver file").getStatus());

        graph.close("hc");
        next("CLOSED", "hc");
        assertTrue("the node's check is unregistered within " + TIMEOUT_MS + " ms",
                await(() -> checkServices("blocklayer node hc") == 0, TIMEOUT_MS));
        assertEquals("and its child's", 0, checkServices("blocklayer node " + child));
    }

    /** The next event on {@code topic} for {@code node}, skipping others (a child's OPENED, say). */
    private Event next(String topic, String node) throws InterruptedException {
        List<String> skipped = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        while (true) {
            Event e = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertNotNull(topic + " for " + node + " within " + TIMEOUT_MS + " ms; saw " + skipped, e);
            if (e.getTopic().equals("org/blocklayer/node/" + topic) && node.equals(e.getProperty("node"))) {
                return e;
            }
            skipped.add(e.getTopic() + " " + e.getProperty("node"));
        }
    }

    /** Runs the named check through HC core's executor, once it is registered. */
    private Result checkOf(String hcName) throws Exception {
        assertTrue(hcName + " registered within " + TIMEOUT_MS + " ms",
                await(() -> checkServices(hcName) == 1, TIMEOUT_MS));
        ServiceTracker<HealthCheckExecutor, HealthCheckExecutor> executors = new ServiceTracker<>(bundleContext,
                HealthCheckExecutor.class, null);
        executors.open();
        try {
            HealthCheckExecutor executor = executors.waitForService(TIMEOUT_MS);
            assertNotNull("HC core's HealthCheckExecutor", executor);
            List<HealthCheckExecutionResult> results = executor.execute(HealthCheckSelector.names(hcName));
            assertEquals(hcName + ": " + results, 1, results.size());
            return results.get(0).getHealthCheckResult();
        } finally {
            executors.close();
        }
    }

    private int checkServices(String hcName) {
        try {
            // LDAP filter escapes for the characters a node name might carry.
            String value = hcName.replaceAll("([\\\\*()])", "\\\\$1");
            var refs = bundleContext.getServiceReferences(HealthCheck.class, "(" + HealthCheck.NAME + "=" + value
                    + ")");
            return refs.size();
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(e);
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
