package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.SynchronousBundleListener;

/**
 * The file driver deployed into, and removed from, a running framework (X1): core picks it up as a whiteboard
 * service, and when it leaves, the nodes that used it lose their medium while nothing else restarts.
 * Breaks if: another bundle's component binds the file driver statically, e.g. RawDriver gets
 * {@code @Reference(cardinality = OPTIONAL, policyOption = GREEDY, target = "(block.driver=file)") BlockDriver file;}
 * (its component, and so its service, is then re-created whenever the file driver comes or goes).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DriverHotDeployIT extends TestSupport {

    private static final long DEPLOY_TIMEOUT_MS = 5_000;
    private static final String FILE_DRIVER_BUNDLE = "org.blocklayer.driver.file";

    @Override
    protected boolean deployFileDriverAtStart() {
        return false;
    }

    @Test
    public void fileDriverComesAndGoesWithoutRestart_X1() throws Exception {
        Path image = sparseImage("hot.raw", 65537);
        Bundle core = bundle("org.blocklayer.core");
        ServiceReference<BlockGraph> graphRef = bundleContext.getServiceReference(BlockGraph.class);
        Object graphServiceId = graphRef.getProperty("service.id");
        BlockGraph graphService = bundleContext.getService(graphRef);
        // Every other bundle as it is before the deploy. One that were restarted, updated, refreshed or whose
        // components were re-created would show as a bundle event, a changed state or stamp, or its services
        // registered anew (new service ids).
        Map<String, String> others = otherBundles();
        List<String> otherEvents = new CopyOnWriteArrayList<>();
        SynchronousBundleListener listener = event -> {
            if (!FILE_DRIVER_BUNDLE.equals(event.getBundle().getSymbolicName())) {
                otherEvents.add(event.getBundle().getSymbolicName() + " " + eventName(event.getType()));
            }
        };
        bundleContext.addBundleListener(listener);
        try {
            // 1. Without the file driver a plain path cannot be opened: raw needs a "file" child (X4).
            assertFalse(driverNames().contains("file"));
            assertTrue(driverNames().contains("raw"));
            BlockException unknown = expectBlockException(() -> graph.open(image.toString(), new BlockOptions(),
                    OpenFlags.RDWR));
            assertEquals(Errno.EINVAL, unknown.errno());
            assertTrue(unknown.getMessage(), unknown.getMessage().contains("Unknown driver"));
            assertEquals("nothing half-built stays in the graph", List.of(), graph.nodes());

            // 2. Deploy it at run time.
            Bundle fileDriver = bundleContext.installBundle("reference:file:" + reactorJar(FILE_DRIVER));
            fileDriver.start();
            assertTrue("the file driver shows in drivers() within " + DEPLOY_TIMEOUT_MS + " ms",
                    await(() -> driverNames().contains("file"), DEPLOY_TIMEOUT_MS));
            DriverInfo info = graph.drivers().stream().filter(d -> d.name().equals("file")).findFirst().get();
            assertEquals("protocol", info.kind());
            assertEquals("org.blocklayer.driver.file", info.bundle());

            // 3. Now it opens; 65537 bytes read as 66048 (B6).
            BlockNode node = graph.open(image.toString(), new BlockOptions().put("node-name", "hot"),
                    OpenFlags.RDWR);
            assertEquals(66048, node.getLength());
            BlockNode fileNode = node.file().node();
            assertEquals(66048, fileNode.getLength());

            // 4. Remove it: the driver leaves drivers(), and the open nodes answer ENOMEDIUM (X1, B8).
            fileDriver.uninstall();
            assertTrue("the file driver leaves drivers() within " + DEPLOY_TIMEOUT_MS + " ms",
                    await(() -> !driverNames().contains("file"), DEPLOY_TIMEOUT_MS));
            assertEquals(Errno.ENOMEDIUM, expectBlockException(fileNode::getLength).errno());
            assertEquals(Errno.ENOMEDIUM, expectBlockException(node::getLength).errno());
            assertEquals(Errno.ENOMEDIUM, expectBlockException(() -> graph.getLength("hot")).errno());
            assertEquals("the raw node itself keeps its driver", "raw", graph.info("hot").driver());
            assertEquals("its file child has no medium", null, graph.info(graph.info("hot").fileChild()).driver());

            // 5. Nothing else was restarted: no other bundle changed, same core bundle, same graph service.
            assertEquals("bundle events of other bundles", List.of(), otherEvents);
            assertEquals("the other bundles: state, last modified, registered services", others, otherBundles());
            assertSame(core, bundle("org.blocklayer.core"));
            assertEquals(Bundle.ACTIVE, core.getState());
            assertEquals(Bundle.ACTIVE, bundle("org.blocklayer.api").getState());
            assertEquals(Bundle.ACTIVE, bundle("org.blocklayer.driver.raw").getState());
            ServiceReference<BlockGraph> after = bundleContext.getServiceReference(BlockGraph.class);
            assertNotNull(after);
            assertEquals(graphServiceId, after.getProperty("service.id"));
            assertSame(graphService, bundleContext.getService(after));
            bundleContext.ungetService(after);
            assertSame(graphService, graph);

            // A node without medium can still be closed, and leaves nothing behind.
            graph.close("hot");
            assertEquals(List.of(), graph.nodes());
        } finally {
            bundleContext.removeBundleListener(listener);
            bundleContext.ungetService(graphRef);
        }
    }

    /**
     * Each bundle but the file driver: symbolic name and version, state, last-modified stamp (not the system
     * bundle's) and the ids of the services it registered, sorted.
     */
    private Map<String, String> otherBundles() {
        Map<String, String> all = new TreeMap<>();
        for (Bundle b : bundleContext.getBundles()) {
            if (FILE_DRIVER_BUNDLE.equals(b.getSymbolicName())) {
                continue;
            }
            ServiceReference<?>[] registered = b.getRegisteredServices();
            List<Long> ids = registered == null ? List.of() : Arrays.stream(registered)
                    .map(r -> (Long) r.getProperty(Constants.SERVICE_ID)).sorted().toList();
            // Equinox stamps its system bundle whenever another bundle is installed or uninstalled.
            String modified = b.getBundleId() == 0 ? "" : ", modified " + b.getLastModified();
            all.put(b.getBundleId() + " " + b.getSymbolicName() + " " + b.getVersion(),
                    "state " + b.getState() + modified + ", services " + ids);
        }
        return all;
    }

    private static String eventName(int type) {
        return switch (type) {
            case BundleEvent.INSTALLED -> "INSTALLED";
            case BundleEvent.RESOLVED -> "RESOLVED";
            case BundleEvent.STARTING -> "STARTING";
            case BundleEvent.STARTED -> "STARTED";
            case BundleEvent.STOPPING -> "STOPPING";
            case BundleEvent.STOPPED -> "STOPPED";
            case BundleEvent.UPDATED -> "UPDATED";
            case BundleEvent.UNRESOLVED -> "UNRESOLVED";
            case BundleEvent.UNINSTALLED -> "UNINSTALLED";
            default -> "event " + type;
        };
    }

    private List<String> driverNames() {
        return graph.drivers().stream().map(DriverInfo::name).toList();
    }

    private Bundle bundle(String symbolicName) {
        for (Bundle b : bundleContext.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        fail("no bundle " + symbolicName + " installed");
        return null;
    }

    interface BlockCall {
        Object call() throws BlockException;
    }

    private static BlockException expectBlockException(BlockCall call) {
        try {
            Object result = call.call();
            fail("expected a BlockException, got " + result);
            return null;
        } catch (BlockException e) {
            return e;
        }
    }
}
