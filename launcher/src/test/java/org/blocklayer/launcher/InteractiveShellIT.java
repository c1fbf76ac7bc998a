package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interactive shell on a real pseudo-terminal, as a person uses it: progress that shows while a long read runs,
 * Ctrl-C that cancels it with one error line and keeps the shell, Tab that completes a node name, help for every
 * block command, and an unknown command as one error line.
 */
class InteractiveShellIT {
    private static final Duration BOOT = Duration.ofSeconds(60);
    private static final Duration ANSWER = Duration.ofSeconds(30);
    /** Sparse: nothing to store, but a read of all of it takes the shell many seconds. */
    private static final long BIG = 1L << 40;

    @TempDir
    Path dir;

    @Test
    void progressIsLiveAndCtrlCCancelsTheCommandButNotTheShell() throws Exception {
        Path big = dir.resolve("big.img");
        try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(BIG);
        }
        try (LauncherProcess launcher = LauncherProcess.startOnTerminal(dir, LauncherProcess.deployDir(dir, true))) {
            assertThat(launcher.terminalCall("block:open -r '" + big + "' -n big", BOOT)).contains("big");
            launcher.send("block:read big 0 1T");
            // A progress line while the read runs (before: all of them at once when it ended).
            String progress = launcher.terminalWaitFor("read: \\d+ of " + BIG + " bytes \\(\\d+%\\).*", ANSWER);
            assertThat(progress).doesNotContain("100%");
            launcher.sendRaw("\u0003");
            String cancelled = launcher.terminalWaitFor(".*error: .*", ANSWER);
            assertThat(cancelled).matches(".*error: node 'big': read cancelled after \\d+ of " + BIG
                    + " bytes \\(ECANCELED\\)");
            String after = launcher.terminalCall("block:length big", ANSWER);
            assertThat(after).contains(Long.toString(BIG)).doesNotContain("Exception");
            launcher.send("exit");
            assertThat(launcher.awaitExit(ANSWER)).isZero();
        }
    }

    @Test
    void tabCompletesNodeNamesAndHelpAndErrorsAreOneLine() throws Exception {
        Path image = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (LauncherProcess launcher = LauncherProcess.startOnTerminal(dir, LauncherProcess.deployDir(dir, true))) {
            assertThat(launcher.terminalCall("block:open '" + image + "' -n diskzero", BOOT)).contains("diskzero");
            // "disk" and Tab: the shell completes the only node name that starts so.
            assertThat(launcher.terminalCall("block:length disk\t", ANSWER)).contains("1048576");
            // A path and Tab after block:open: the shell completes the file name.
            assertThat(launcher.terminalCall("block:open -r " + dir + "/dis\t -n second", ANSWER)).contains("second")
                    .doesNotContain("error:");
            assertThat(launcher.terminalCall("block:info second", ANSWER)).contains("filename: " + image);

            String help = launcher.terminalCall("help", ANSWER);
            assertThat(help).contains("block commands (scope block", "sg-capacity", "detach-timeout");
            assertThat(launcher.terminalCall("help detach-timeout", ANSWER)).contains(
                    "usage: block:detach-timeout [SECONDS]");
            assertThat(launcher.terminalCall("help sg-capacity", ANSWER)).contains("usage: block:sg-capacity NODE");

            assertThat(launcher.terminalCall("nosuchcommand x", ANSWER)).contains(
                    "error: unknown command 'nosuchcommand'").doesNotContain("Exception");
            assertThat(launcher.terminalCall("block:open '" + image + "' -n", ANSWER)).contains(
                    "error: block:open: option -n needs a NODE").doesNotContain("Cannot coerce");
            launcher.send("exit");
            assertThat(launcher.awaitExit(ANSWER)).isZero();
        }
    }
}
