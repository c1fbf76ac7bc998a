package org.blocklayer.driver.scsigeneric.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * B18 against the kernel: a real SCSI generic device is detected as sg through the real ioctls. The device is an
 * existing {@code /dev/sg*}, else the one of the {@code scsi_debug} module loaded for the test
 * ({@code modprobe scsi_debug}, unloaded after); a machine with neither (no SCSI subsystem, a kernel without
 * modules, as this project's CI guest) skips it, printing why: no package can give a kernel a module it lacks.
 */
class RealSgDeviceTest {
    private static String device;
    private static String missing;
    private static boolean loadedScsiDebug;

    @BeforeAll
    static void findDevice() throws Exception {
        device = firstSgDevice().orElse(null);
        if (device != null) {
            return;
        }
        if (!Needs.onPath("modprobe")) {
            missing = "no /dev/sg*, and no modprobe to load scsi_debug";
            return;
        }
        Process p = new ProcessBuilder("modprobe", "scsi_debug").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            missing = "no /dev/sg*, and modprobe scsi_debug failed: " + out;
            return;
        }
        loadedScsiDebug = true;
        device = firstSgDevice().orElse(null);
        if (device == null) {
            missing = "scsi_debug loaded, but no /dev/sg* appeared";
        }
    }

    @AfterAll
    static void unloadScsiDebug() throws Exception {
        if (loadedScsiDebug) {
            new ProcessBuilder("modprobe", "-r", "scsi_debug").inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static Optional<String> firstSgDevice() throws IOException {
        Path dev = Path.of("/dev");
        try (Stream<Path> all = Files.list(dev)) {
            return all.map(p -> p.getFileName().toString()).filter(n -> n.matches("sg[0-9]+"))
                    .min(Comparator.comparingInt(n -> Integer.parseInt(n.substring(2))))
                    .map(n -> dev.resolve(n).toString());
        }
    }

    @Test
    void aRealScsiGenericDeviceIsDetectedAsSg_B18() throws Exception {
        Needs.notOnCi(device != null, "a SCSI generic device on kernel " + System.getProperty("os.version") + ": "
                + missing);
        ScsiGenericDriver driver = new ScsiGenericDriver();
        FakeNode bs = new FakeNode("sg");
        driver.open(bs, new BlockOptions().put("filename", device), 0);
        try {
            assertThat(bs.isSg()).isTrue();
            SgState state = bs.opaque(SgState.class);
            assertThat(state.sgVersion()).as("sg driver version of " + device).isGreaterThanOrEqualTo(30000);
            assertThat(state.scsiId().scsiType()).isBetween(0, 0x1f);
        } finally {
            driver.close(bs);
        }
    }
}
