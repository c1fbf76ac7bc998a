package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Declared nodes as an operator uses them: {@code org.blocklayer.node~NAME.cfg} files in deploy/, read by File
 * Install into Config Admin, opened by core; in either order with the driver jars, changed, and deleted.
 */
class DeclaredNodesIT {

    private static final Duration BOOT = Duration.ofSeconds(30);
    // File Install polls every 500 ms; the rest is Config Admin and DS delivering the configuration.
    private static final Duration SETTLE = Duration.ofSeconds(15);

    @TempDir
    Path tmp;

    private Path image(String name, long size) throws Exception {
        Path p = tmp.resolve(name);
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    /** Writes a .cfg the way an editor would: complete, then moved into place, so File Install never reads half. */
    private static void declare(Path deploy, String name, String... lines) throws Exception {
        Path staged = deploy.getParent().resolve(name + ".cfg.tmp");
        Files.write(staged, List.of(lines));
        Files.move(staged, deploy.resolve("org.blocklayer.node~" + name + ".cfg"), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    @DisplayName("a .cfg dropped before the driver jar opens its node when the jar arrives; deleted, the node goes")
    void configurationBeforeTheDriver() throws Exception {
        Path deploy = LauncherProcess.deployDir(tmp, false);
        Files.copy(LauncherProcess.driverJar("raw"), deploy.resolve(LauncherProcess.driverJar("raw").getFileName()));
        Path img = image("early.img", 65537);
        declare(deploy, "early", "driver=raw", "file.driver=file", "file.filename=" + img);
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            launcher.call("block:drivers", BOOT);
            // Waiting for its driver: not in the graph, and the reason is on stderr for the operator.
            awaitStderr(launcher, "org.blocklayer.node~early.cfg: cannot open node early yet");
            assertThat(launcher.stderr()).contains("Unknown driver 'file'");
            assertThat(nodeNames(launcher)).doesNotContain("early");
            // And where an operator looks: the declarations, and health, which would be green without a node check.
            assertThat(launcher.call("block:declared", BOOT)).singleElement().asString()
                    .startsWith("early  waiting").contains("org.blocklayer.node~early.cfg").contains("Unknown driver 'file'");
            assertThat(String.join("\n", launcher.call("hc:exec -n 'blocklayer declared nodes'", BOOT)))
                    .contains("CRITICAL").contains("node early");

            Files.copy(LauncherProcess.driverJar("file"), deploy.resolve(LauncherProcess.driverJar("file").getFileName()));
            assertThat(awaitLength(launcher, "early")).isEqualTo("66048");
            assertThat(launcher.call("block:declared", BOOT)).singleElement().asString().startsWith("early  open");
            assertThat(String.join("\n", launcher.call("hc:exec -n 'blocklayer declared nodes'", BOOT)))
                    .contains("OK").contains("1 declared node, open");

            Files.delete(deploy.resolve("org.blocklayer.node~early.cfg"));
            awaitGone(launcher, "early");
            assertThat(launcher.call("block:declared", BOOT)).isEmpty();
            assertThat(launcher.call("block:nodes", BOOT)).as("the file child went with it").isEmpty();
            launcher.send("exit");
            // No exit status check: a block:length asked while the node was still waiting failed, or did not.
            launcher.awaitExit(BOOT);
        }
    }

    @Test
    @DisplayName("a .cfg dropped after the driver jars opens its node; a changed one reopens it with the new options")
    void configurationAfterTheDriversAndChanged() throws Exception {
        Path deploy = LauncherProcess.deployDir(tmp, true);
        Path img = image("late.img", 1 << 20);
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            assertThat(launcher.call("block:nodes", BOOT)).isEmpty();

            declare(deploy, "late", "driver=raw", "file.driver=file", "file.filename=" + img, "size=4096",
                    "read-only=on");
            assertThat(awaitLength(launcher, "late")).isEqualTo("4096");
            assertThat(launcher.call("block:info late", BOOT)).contains("read-only: true");

            declare(deploy, "late", "driver=raw", "file.driver=file", "file.filename=" + img, "size=8192");
            long until = System.nanoTime() + SETTLE.toNanos();
            List<String> length = launcher.call("block:length late", BOOT);
            while (!length.equals(List.of("8192")) && System.nanoTime() < until) {
                Thread.sleep(100);
                length = launcher.call("block:length late", BOOT);
            }
            assertThat(length).containsExactly("8192");
            assertThat(launcher.call("block:info late", BOOT)).contains("read-only: false");
            launcher.send("exit");
            launcher.awaitExit(BOOT);
        }
    }

    private static List<String> nodeNames(LauncherProcess launcher) throws InterruptedException {
        return launcher.call("block:nodes", BOOT).stream().map(row -> row.strip().split("\\s+")[0]).toList();
    }

    /** Asks for the node's length until it has one; fails with what the launcher said after {@link #SETTLE}. */
    private static String awaitLength(LauncherProcess launcher, String node) throws InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            List<String> out = launcher.call("block:length " + node, BOOT);
            if (!out.isEmpty()) {
                return out.get(0);
            }
            if (System.nanoTime() > until) {
                throw new AssertionError("node " + node + " not open after " + SETTLE + "; stderr:\n" + launcher.stderr());
            }
            Thread.sleep(100);
        }
    }

    private static void awaitGone(LauncherProcess launcher, String node) throws InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        while (nodeNames(launcher).contains(node)) {
            if (System.nanoTime() > until) {
                throw new AssertionError("node " + node + " still open " + SETTLE + " after its .cfg was deleted");
            }
            Thread.sleep(100);
        }
    }

    private static void awaitStderr(LauncherProcess launcher, String text) throws InterruptedException {
        long until = System.nanoTime() + SETTLE.toNanos();
        while (!launcher.stderr().contains(text)) {
            if (System.nanoTime() > until) {
                throw new AssertionError("stderr never said '" + text + "':\n" + launcher.stderr());
            }
            Thread.sleep(50);
        }
    }
}
