package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's {@code nbd-client} (the Linux kernel's NBD client and its user-space half) against the server. Listing
 * exports is user space only and runs everywhere; attaching an export as {@code /dev/nbdN} needs the kernel's nbd
 * module, which some kernels do not have (a Firecracker guest kernel without modules, for one): that test is then
 * skipped with the reason printed, on CI too, since no package can add a module to a kernel built without it.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class KernelClientTest {
    @TempDir
    Path dir;
    private ServerFixture f;
    private String tcp;

    @BeforeEach
    void setUp() throws Exception {
        f = new ServerFixture(dir);
        tcp = f.onTcp();
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private String host() {
        return tcp.substring("nbd://".length(), tcp.lastIndexOf(':'));
    }

    private String port() {
        return tcp.substring(tcp.lastIndexOf(':') + 1);
    }

    @Test
    void nbdClientListsTheExports() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.open(f.image("b.img", 1 << 20), "disk1", false);
        f.export("disk0", null, false);
        f.export("disk1", "second", false);

        String out = Tools.run("nbd-client", "-l", host(), port()).ok().out();

        assertThat(out.lines().map(String::strip)).contains("disk0", "second");
    }

    @Test
    void theKernelReadsAndWritesTheExportAsABlockDevice() throws Exception {
        Tools.require("nbd-client");
        Path device = kernelNbdDevice();
        Path img = f.image("k.img", 4 << 20);
        ServerFixture.fill(img, 1 << 20, 4096, 0x3d);
        f.open(img, "disk0", true);
        f.export("disk0", null, true);

        Tools.run("nbd-client", "-N", "disk0", "-b", "4096", host(), port(), device.toString()).ok();
        try {
            Path copy = dir.resolve("read.bin");
            Tools.run("dd", "if=" + device, "of=" + copy, "bs=4096", "skip=256", "count=1", "iflag=direct").ok();
            assertThat(Files.readAllBytes(copy)).containsOnly((byte) 0x3d);
            Path pattern = dir.resolve("pattern.bin");
            byte[] bytes = new byte[8192];
            java.util.Arrays.fill(bytes, (byte) 0x71);
            Files.write(pattern, bytes);
            Tools.run("dd", "if=" + pattern, "of=" + device, "bs=4096", "seek=16", "oflag=direct", "conv=fsync")
                    .ok();
        } finally {
            Tools.run("nbd-client", "-d", device.toString()).ok();
        }
        byte[] file = Files.readAllBytes(img);
        assertThat(java.util.Arrays.copyOfRange(file, 16 * 4096, 18 * 4096)).containsOnly((byte) 0x71);
        assertThat(f.server.exports().getFirst().bytesWritten()).isGreaterThanOrEqualTo(8192);
    }

    /**
     * {@code /dev/nbd0}, loading the module first ({@code modprobe nbd}) when the kernel has it; else the test is
     * skipped, printing why: a kernel without the module cannot get it from any package.
     */
    private static Path kernelNbdDevice() throws Exception {
        Path dev = Path.of("/dev/nbd0");
        String why = "";
        if (!Files.exists(Path.of("/sys/block/nbd0")) && Needs.onPath("modprobe")) {
            Tools.Result probe = Tools.run("modprobe", "nbd");
            why = probe.status() == 0 ? "" : probe.out().strip();
        }
        boolean present = Files.exists(Path.of("/sys/block/nbd0")) && Files.exists(dev);
        Needs.notOnCi(present, "the kernel's NBD client (/dev/nbd0) on kernel " + System.getProperty("os.version")
                + (why.isEmpty() ? "" : ": " + why));
        Needs.that("root".equals(System.getProperty("user.name")), "root, to attach " + dev);
        return dev;
    }
}
