package org.blocklayer.itests;

import static org.junit.Assert.fail;
import static org.ops4j.pax.exam.CoreOptions.bundle;
import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.when;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;

import javax.inject.Inject;

import org.blocklayer.api.backend.BlockBackends;
import org.blocklayer.api.graph.BlockGraph;
import org.junit.After;
import org.junit.Before;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.BundleContext;

/**
 * What every Pax Exam test here shares: one container configuration (Felix, SCR, blocklayer's API, core and drivers
 * from the reactor build), the injected graph, and a scratch directory for image files.
 *
 * <p>The reactor bundles are not in {@code ~/.m2} during {@code verify}: failsafe passes their jar paths as the
 * system properties {@code blocklayer.bundle.{api,core,posix,file,raw}}. The container runs in the test JVM (native
 * container), which carries {@code blocklayer.jvm.flags}; core's continuations also need {@code jdk.internal.vm}
 * boot-delegated.
 */
public abstract class TestSupport {

    public static final String API = "blocklayer.bundle.api";
    public static final String CORE = "blocklayer.bundle.core";
    /** The FFM bindings the file driver imports; a library bundle, not hot-deployed. */
    public static final String POSIX = "blocklayer.bundle.posix";
    public static final String FILE_DRIVER = "blocklayer.bundle.file";
    public static final String RAW_DRIVER = "blocklayer.bundle.raw";

    @Inject
    protected BundleContext bundleContext;

    @Inject
    protected BlockGraph graph;

    /** The BlockBackend service: tests read and write nodes through backends, as users outside the graph do. */
    @Inject
    protected BlockBackends backends;

    protected Path scratch;

    @Configuration
    public Option[] config() {
        return options(
                junitBundles(),
                mavenBundle("org.osgi", "org.osgi.util.function").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.util.promise").versionAsInProject(),
                mavenBundle("org.osgi", "org.osgi.service.component").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.scr").versionAsInProject(),
                // Core imports the Log Service and Event Admin packages (its Logger and node events): Felix's own.
                mavenBundle("org.apache.felix", "org.apache.felix.log").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.eventadmin").versionAsInProject(),
                reactorBundle(API),
                reactorBundle(CORE),
                reactorBundle(POSIX),
                reactorBundle(RAW_DRIVER),
                when(deployFileDriverAtStart()).useOptions(reactorBundle(FILE_DRIVER)),
                systemProperty("org.ops4j.pax.url.mvn.localRepository")
                        .value(System.getProperty("org.ops4j.pax.url.mvn.localRepository", "")),
                systemProperty("org.ops4j.pax.logging.DefaultServiceLog.level").value("WARN"),
                frameworkProperty("org.osgi.framework.bootdelegation").value("jdk.internal.vm"),
                cleanCaches());
    }

    /** False in a test that installs the file driver itself, at run time. */
    protected boolean deployFileDriverAtStart() {
        return true;
    }

    /** A bundle built by this reactor, by the system property that holds its jar path. */
    protected static Option reactorBundle(String property) {
        return bundle("reference:file:" + reactorJar(property));
    }

    /** The jar path in {@code property}; fails with a hint when the test does not run under failsafe. */
    protected static String reactorJar(String property) {
        String path = System.getProperty(property);
        if (path == null || path.isEmpty() || !new File(path).isFile()) {
            fail("System property " + property + " must name a built bundle jar (got " + path + "): run the"
                    + " integration tests through Maven, ./mvnw verify -pl itests, after ./mvnw install -DskipTests");
        }
        return path;
    }

    @Before
    public void createScratchDirectory() throws IOException {
        scratch = Files.createTempDirectory("blocklayer-itest");
    }

    @After
    public void deleteScratchDirectory() throws IOException {
        if (scratch == null) {
            return;
        }
        try (var files = Files.list(scratch)) {
            for (Path p : files.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(scratch);
    }

    /** A sparse file of exactly {@code size} bytes in the scratch directory. */
    protected Path sparseImage(String name, long size) throws IOException {
        Path path = scratch.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(path.toFile(), "rw")) {
            f.setLength(size);
        }
        return path;
    }

    /** {@code size} rounded up to a whole number of 512-byte sectors (B6). */
    protected static long roundUpToSector(long size) {
        return (size + 511) / 512 * 512;
    }

    /** Polls {@code condition} every 20 ms for at most {@code timeoutMillis}; true when it came true. */
    protected static boolean await(BooleanSupplier condition, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }
}
