package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.blocklayer.driver.file.internal.FileDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * X6: an exported node keeps serving across a live swap of its protocol driver (X1, X2): requests wait and complete,
 * or fail NBD_EIO after the detach timeout; no client is disconnected; the data is intact afterwards.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DriverSwapExportTest {
    @TempDir
    Path dir;
    private ServerFixture f;

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    @DisplayName("X6: nbdcopy and qemu-img compare through an export run through driver swaps and see every byte")
    void clientsKeepTheirConnectionsAcrossDriverSwaps_X6() throws Exception {
        f = new ServerFixture(dir);
        FileDriver first = f.file;
        Path img = f.image("disk.img", 96 << 20);
        Tools.run("qemu-io", "-f", "raw", "-c", "write -P 0x71 0 32M", "-c", "write -P 0x72 48M 48M",
                img.toString()).ok();
        Path reference = Files.copy(img, dir.resolve("reference.img"));
        f.open(img, "disk0", false);
        f.export("disk0", null, false);

        // Gone before the clients come: their first requests wait for the driver.
        f.graph.removeDriver(first);
        Path copy = dir.resolve("copy.img");
        Process nbdcopy = new ProcessBuilder("nbdcopy", f.uri("disk0"), copy.toString()).redirectErrorStream(true)
                .start();
        Process compare = new ProcessBuilder("qemu-img", "compare", "-f", "raw", "-F", "raw", f.uri("disk0"),
                reference.toString()).redirectErrorStream(true).start();
        awaitClients(2);
        FileDriver driver = new FileDriver();
        f.graph.addDriver(driver, "org.blocklayer.driver.file", "2");
        // And swapped again while they read.
        for (int swap = 0; swap < 3 && (nbdcopy.isAlive() || compare.isAlive()); swap++) {
            long before = f.server.exports().getFirst().bytesRead();
            awaitRead(before);
            FileDriver next = new FileDriver();
            f.graph.addDriver(next, "org.blocklayer.driver.file", "3." + swap);
            f.graph.removeDriver(driver);
            driver = next;
        }

        assertThat(nbdcopy.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(compare.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String compared = new String(compare.getInputStream().readAllBytes());
        assertThat(nbdcopy.exitValue()).as(new String(nbdcopy.getInputStream().readAllBytes())).isZero();
        assertThat(compare.exitValue()).as(compared).isZero();
        assertThat(compared).contains("Images are identical.");
        assertThat(Files.mismatch(copy, reference)).isEqualTo(-1);
    }

    @Test
    @DisplayName("X6: past the detach timeout a request fails NBD_EIO; the connection stays and works once it is back")
    void pastTheDetachTimeoutRequestsFailEioAndTheClientStays_X6() throws Exception {
        f = new ServerFixture(dir);
        FileDriver driver = f.file;
        Path img = f.image("disk.img", 1 << 20);
        ServerFixture.fill(img, 0, 4096, 0x44);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);
        f.graph.setDetachTimeout(Duration.ofMillis(100));

        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("disk0");
            f.graph.removeDriver(driver);
            c.request(0, Wire.Command.READ.code, 1, 0, 4096, null);
            assertThat(c.simpleReply()).containsExactly(Wire.EIO, 1);
            c.request(0, Wire.Command.WRITE.code, 2, 0, 512, ByteBuffer.allocate(512));
            assertThat(c.simpleReply()).containsExactly(Wire.EIO, 2);

            f.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "2");
            c.request(0, Wire.Command.READ.code, 3, 0, 4096, null);
            assertThat(c.simpleReply()).containsExactly(0, 3);
            assertThat(c.read(4096).get(4095)).isEqualTo((byte) 0x44);
        }
    }

    private void awaitClients(int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (f.server.exports().getFirst().clients() < n) {
            assertThat(System.nanoTime()).as("clients connected").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Until more than {@code before} bytes were read, or both tools are done. */
    private void awaitRead(long before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (f.server.exports().getFirst().bytesRead() <= before && f.server.exports().getFirst().clients() > 0) {
            assertThat(System.nanoTime()).as("reads going on").isLessThan(deadline);
            Thread.sleep(5);
        }
    }
}
