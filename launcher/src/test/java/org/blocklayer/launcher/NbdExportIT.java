package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's session, through the shipped launcher: a node exported with block:nbd-server and block:export, read
 * by qemu-img and nbdinfo from outside, written by qemu-io, and busy for block:close until its export is deleted.
 */
class NbdExportIT {
    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aNodeExportedFromTheShellIsReadByQemuImgAndNbdinfo() throws Exception {
        Needs.tool("qemu-img", "qemu-utils");
        Needs.tool("qemu-io", "qemu-utils");
        Needs.tool("nbdinfo", "libnbd-bin");
        Path image = tmp.resolve("disk0.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(64 << 20);
            f.seek(1 << 20);
            f.write(new byte[] {0x61, 0x61});
        }
        Path socket = tmp.resolve("nbd.sock");
        String uri = "nbd+unix:///disk0?socket=" + socket;
        try (LauncherProcess launcher = LauncherProcess.start(LauncherProcess.deployDir(tmp, true))) {
            assertThat(launcher.call("block:open " + image + " -n disk0", BOOT)).containsExactly("disk0");
            assertThat(launcher.call("block:nbd-server start unix:" + socket, BOOT))
                    .containsExactly("unix:" + socket);
            assertThat(launcher.call("block:export add disk0 --writable --description 'the first disk'", BOOT))
                    .containsExactly("disk0");

            assertThat(run("qemu-img", "info", "--output=json", uri)).contains("\"virtual-size\": 67108864");
            assertThat(run("nbdinfo", "--list", "nbd+unix://?socket=" + socket)).contains("export=\"disk0\":")
                    .contains("description: the first disk");
            assertThat(run("nbdinfo", "--map", uri).lines().map(String::strip)).contains("0     1048576    3  hole,zero");
            run("qemu-io", "-f", "raw", "-c", "write -P 0x62 2M 64k", uri);
            assertThat(launcher.call("block:read -P 0x62 disk0 2M 64k", BOOT).getFirst())
                    .isEqualTo("read 65536/65536 bytes at offset 2097152");

            List<String> exports = launcher.call("block:exports", BOOT);
            assertThat(exports.getFirst()).startsWith("NAME");
            assertThat(exports.get(1)).startsWith("disk0  disk0  rw    0").endsWith(" 65536");
            launcher.send("block:close disk0");
            long until = System.nanoTime() + BOOT.toNanos();
            while (!launcher.stderr().contains("busy") && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(launcher.stderr()).contains("error: Node 'disk0' is busy: NBD export 'disk0' uses it (EBUSY)");
            assertThat(launcher.call("block:export del disk0", BOOT)).isEmpty();
            assertThat(launcher.call("block:close disk0", BOOT)).isEmpty();
            assertThat(launcher.call("block:nbd-server stop", BOOT)).isEmpty();
            launcher.send("exit");
            assertThat(launcher.awaitExit(BOOT)).isEqualTo(1);
        }
    }

    @Test
    void declaredServerAndExportsFollowTheirFilesInDeploy() throws Exception {
        Needs.tool("nbdinfo", "libnbd-bin");
        Path deploy = LauncherProcess.deployDir(tmp, true);
        Path image = tmp.resolve("d.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        Path socket = tmp.resolve("declared.sock");
        // The export first: it waits for its node and for the server, declared after it.
        declare(deploy, "org.blocklayer.export~web.cfg", "node=d0", "description=declared disk");
        declare(deploy, "org.blocklayer.node~d0.cfg", "filename=" + image);
        declare(deploy, "org.blocklayer.nbdserver.cfg", "address=unix:" + socket);
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            List<String> exports = awaitExports(launcher, rows -> rows.size() == 2);
            assertThat(exports.get(1)).startsWith("web   d0    ro");
            assertThat(run("nbdinfo", "--list", "nbd+unix://?socket=" + socket)).contains("export=\"web\":")
                    .contains("description: declared disk");

            Files.delete(deploy.resolve("org.blocklayer.export~web.cfg"));
            assertThat(awaitExports(launcher, rows -> rows.equals(List.of("no exports")))).containsExactly(
                    "no exports");
            launcher.send("exit");
            assertThat(launcher.awaitExit(BOOT)).isZero();
        }
    }

    /** Asks block:exports until {@code done} holds for its rows (File Install polls every 500 ms). */
    private static List<String> awaitExports(LauncherProcess launcher,
            java.util.function.Predicate<List<String>> done) throws Exception {
        long until = System.nanoTime() + BOOT.toNanos();
        List<String> rows = launcher.call("block:exports", BOOT);
        while (!done.test(rows) && System.nanoTime() < until) {
            Thread.sleep(100);
            rows = launcher.call("block:exports", BOOT);
        }
        assertThat(done.test(rows)).as("block:exports: " + rows + "\nstderr:\n" + launcher.stderr()).isTrue();
        return rows;
    }

    /** Writes a .cfg complete, then moves it into place, so File Install never reads half of it. */
    private static void declare(Path deploy, String file, String... lines) throws Exception {
        Path staged = deploy.getParent().resolve(file + ".tmp");
        Files.write(staged, List.of(lines));
        Files.move(staged, deploy.resolve(file), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(String.join(" ", cmd) + ":\n" + out).isZero();
        return out;
    }
}
