package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator's view of health: {@code hc:exec} shows a node's check, and when its driver's jar is deleted the check
 * turns CRITICAL while stderr, not stdout, carries core's warning from the OSGi log.
 */
class HealthIT {

    private static final Duration BOOT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aNodesCheckIsOkThenCriticalOnceItsDriverIsGoneWithTheWarningOnStderr() throws Exception {
        Path deploy = LauncherProcess.deployDir(tmp, true);
        Path image = tmp.resolve("x.img");
        Files.write(image, new byte[65537]);
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            assertThat(launcher.call("block:open driver=file,filename=" + image + " -n f", BOOT)).containsExactly("f");
            // The node's check is registered on the OPENED event, delivered asynchronously: ask until it is there.
            long registered = System.nanoTime() + BOOT.toNanos();
            List<String> ok;
            do {
                ok = launcher.call("hc:exec -n 'blocklayer node f'", BOOT);
            } while (ok.stream().noneMatch(line -> line.startsWith("blocklayer node f "))
                    && System.nanoTime() < registered);
            assertThat(row(ok, "blocklayer node f")).contains(" OK ").contains("driver file, length 66048");

            Files.delete(deploy.resolve(LauncherProcess.driverJar("file").getFileName()));
            long until = System.nanoTime() + BOOT.toNanos();
            String warning = "blocklayer: org.blocklayer.core: node f: no medium, driver file gone";
            while (!launcher.stderr().contains(warning) && System.nanoTime() < until) {
                Thread.sleep(20);
            }
            assertThat(launcher.stderr()).contains(warning);

            // The driver's check follows the DETACHED event, asynchronously: ask until it is there.
            List<String> critical;
            do {
                critical = launcher.call("hc:exec -n 'blocklayer node f,blocklayer driver file'", BOOT);
            } while (critical.stream().noneMatch(line -> line.startsWith("blocklayer driver file "))
                    && System.nanoTime() < until);
            assertThat(critical).as("stdout keeps results only").noneMatch(line -> line.contains("blocklayer:"));
            assertThat(row(critical, "blocklayer node f")).contains("CRITICAL").contains("no medium: driver file gone");
            assertThat(row(critical, "blocklayer driver file")).contains("CRITICAL")
                    .contains("driver file gone: 1 node without medium (f)");
            launcher.send("exit");
            assertThat(launcher.awaitExit(BOOT)).isZero();
        }
    }

    /** The line of HC's result table for the check {@code hcName}. */
    private static String row(List<String> table, String hcName) {
        return table.stream().filter(line -> line.startsWith(hcName + " ")).findFirst()
                .orElseThrow(() -> new AssertionError("no row for " + hcName + " in\n" + String.join("\n", table)));
    }
}
