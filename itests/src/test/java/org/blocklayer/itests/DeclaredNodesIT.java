package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.mavenBundle;
import static org.ops4j.pax.exam.CoreOptions.options;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import javax.inject.Inject;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.NodeDeclarations;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * The deploy-directory flow as an operator runs it, with Config Admin and File Install in the framework: the file
 * driver's jar and {@code org.blocklayer.node~NAME.cfg} files copied into the watched directory, in either order,
 * changed and deleted. Runs in Felix and in Equinox like the rest of the suite.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeclaredNodesIT extends TestSupport {

    /**
     * File Install's directory. The test class is loaded twice, by the runner and again inside the framework (the
     * probe bundle); the native container shares the JVM, so a system property carries the one directory across.
     */
    private static final String DEPLOY_PROPERTY = "blocklayer.itest.deploy";
    private static final Path DEPLOY = deployDirectory();
    private static final long SETTLE_MS = 15_000;

    @Inject
    private NodeDeclarations declarations;

    private static Path deployDirectory() {
        String shared = System.getProperty(DEPLOY_PROPERTY);
        if (shared != null) {
            return Path.of(shared);
        }
        try {
            // Under target/, not /tmp: the directory outlives the test class (both loads of it share it), so
            // nothing here could delete it at the right moment; the next clean build does.
            Path target = Files.createDirectories(Path.of(System.getProperty("basedir", "."), "target"));
            Path dir = Files.createTempDirectory(target, "itest-deploy-");
            System.setProperty(DEPLOY_PROPERTY, dir.toString());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Configuration
    @Override
    public Option[] config() {
        return OptionUtils.combine(super.config(), options(
                mavenBundle("org.apache.felix", "org.apache.felix.configadmin").versionAsInProject(),
                mavenBundle("org.apache.felix", "org.apache.felix.fileinstall").versionAsInProject(),
                frameworkProperty("felix.fileinstall.dir").value(DEPLOY.toString()),
                frameworkProperty("felix.fileinstall.poll").value("200"),
                frameworkProperty("felix.fileinstall.noInitialDelay").value("true"),
                frameworkProperty("felix.fileinstall.log.level").value("1"),
                // As the launcher's conf/config.properties: no asynchronous write-back over a newer edit.
                frameworkProperty("felix.fileinstall.enableConfigSave").value("false")));
    }

    @Override
    protected boolean deployFileDriverAtStart() {
        return false;
    }

    @Test
    public void aCfgDroppedBeforeTheDriverJarOpensWhenTheJarArrives() throws Exception {
        Path image = sparseImage("before.img", 65537);
        Path cfg = declare("before", "driver=raw", "file.driver=file", "file.filename=" + image);
        // Not a fixed wait: until the declaration was read and tried, "no node" would hold whatever the code did.
        assertTrue("the declaration read and waiting for its driver within " + SETTLE_MS + " ms",
                await(() -> waitsWithAProblem(cfg), SETTLE_MS));
        assertFalse("no node without its driver", hasNode("before"));

        Path jar = deployFileDriver();
        try {
            assertTrue("node 'before' open within " + SETTLE_MS + " ms of the driver jar",
                    await(() -> lengthIs("before", 66048), SETTLE_MS));
            Files.delete(cfg);
            assertTrue("node 'before' closed once its .cfg is deleted", await(() -> !hasNode("before"), SETTLE_MS));
            assertEquals("its file child went with it", List.of(), graph.nodes());
        } finally {
            undeploy(jar);
        }
    }

    @Test
    public void aCfgDroppedAfterTheDriverJarOpensChangedReopensDeletedCloses() throws Exception {
        Path jar = deployFileDriver();
        try {
            Path image = sparseImage("after.img", 1 << 20);
            Path cfg = declare("after", "driver=raw", "file.driver=file", "file.filename=" + image, "size=4096");
            assertTrue("node 'after' open", await(() -> lengthIs("after", 4096), SETTLE_MS));

            declare("after", "driver=raw", "file.driver=file", "file.filename=" + image, "size=8192");
            boolean reopened = await(() -> lengthIs("after", 8192), SETTLE_MS);
            assertTrue("node 'after' reopened with the new size; the file reads " + Files.readAllLines(cfg), reopened);

            Files.delete(cfg);
            assertTrue("node 'after' closed", await(() -> !hasNode("after"), SETTLE_MS));
        } finally {
            undeploy(jar);
        }
    }

    /** Writes the file next to the directory and moves it in, so File Install never reads half of it. */
    private static Path declare(String name, String... lines) throws IOException {
        Path staged = DEPLOY.resolveSibling(DEPLOY.getFileName() + "-" + name + ".tmp");
        Files.write(staged, List.of(lines));
        return Files.move(staged, DEPLOY.resolve("org.blocklayer.node~" + name + ".cfg"),
                StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private Path deployFileDriver() throws Exception {
        Path jar = Files.copy(Path.of(reactorJar(FILE_DRIVER)), DEPLOY.resolve("org.blocklayer.driver.file.jar"));
        assertTrue("File Install deploys the file driver", await(this::hasFileDriver, SETTLE_MS));
        return jar;
    }

    private void undeploy(Path jar) throws Exception {
        Files.deleteIfExists(jar);
        assertTrue("File Install removes the file driver", await(() -> !hasFileDriver(), SETTLE_MS));
    }

    private boolean hasFileDriver() {
        return graph.drivers().stream().anyMatch(d -> d.name().equals("file"));
    }

    /** The declaration from {@code cfg} is known, not open, and says why. */
    private boolean waitsWithAProblem(Path cfg) {
        return declarations.declarations().stream().anyMatch(d -> d.source().endsWith(cfg.getFileName().toString())
                && !d.open() && d.problem() != null);
    }

    private boolean hasNode(String name) {
        return graph.nodes().stream().anyMatch(n -> n.node().equals(name));
    }

    private boolean lengthIs(String name, long length) {
        try {
            return graph.getLength(name) == length;
        } catch (BlockException e) {
            return false;
        }
    }
}
