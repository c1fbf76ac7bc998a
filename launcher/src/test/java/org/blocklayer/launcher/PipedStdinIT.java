package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Commands piped to stdin: each line runs as it arrives, its result printed at once; "exit" or end of input ends. */
class PipedStdinIT {

    private static final Duration BOOT = Duration.ofSeconds(30);
    private static final Duration ANSWER = Duration.ofSeconds(5);

    @TempDir
    Path tmp;

    @Test
    void eachLineIsAnsweredBeforeTheNextIsSentAndExitEndsIt() throws Exception {
        Path image = Files.write(tmp.resolve("a.img"), new byte[65537]);
        try (LauncherProcess launcher = LauncherProcess.start(LauncherProcess.deployDir(tmp, true))) {
            launcher.send("block:open " + image + " -n a");
            assertThat(launcher.nextLine(BOOT)).isEqualTo("a");

            launcher.send("block:length a");
            assertThat(launcher.nextLine(ANSWER)).isEqualTo("66048");
            assertThat(launcher.isAlive()).as("still waiting for the next line").isTrue();

            launcher.send("exit");
            launcher.send("block:length a");  // after exit: never run
            assertThat(launcher.awaitExit(ANSWER.multipliedBy(3))).isZero();
            assertThat(launcher.nextLine(Duration.ZERO)).isNull();
        }
    }

    @Test
    void endOfInputEndsItAndAFailedLineMakesTheStatusOne() throws Exception {
        try (LauncherProcess launcher = LauncherProcess.start(LauncherProcess.deployDir(tmp, true))) {
            launcher.send("block:length nosuchnode");

            assertThat(launcher.awaitExit(BOOT)).isEqualTo(1);
            assertThat(launcher.stderr()).containsPattern("(?m)^error: .*nosuchnode");
        }
    }
}
