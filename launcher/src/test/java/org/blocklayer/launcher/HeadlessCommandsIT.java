package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.blocklayer.launcher.LauncherProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code blocklayer -c "cmd; cmd"}: results on stdout and nothing else, errors on stderr, status 1 on a failure. */
class HeadlessCommandsIT {

    @TempDir
    Path tmp;

    @Test
    void twoCommandsPrintTheirResultsInOrderAndExitZero() throws Exception {
        Path image = image(65537);

        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true),
                "-c", "block:open " + image + " -n x; block:length x");

        assertThat(result.stdout()).as("stdout, stderr was:\n" + result.stderr()).containsExactly("x", "66048");
        assertThat(result.stderr()).doesNotContain("error:");
        assertThat(result.status()).isZero();
    }

    @Test
    void unknownNodeGivesAnErrorLineOnStderrAndExitOne() throws Exception {
        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true), "-c", "block:length nosuchnode");

        assertThat(result.stdout()).isEmpty();
        assertThat(result.stderr().lines().filter(l -> l.startsWith("error: ")))
                .as("stderr:\n" + result.stderr())
                .singleElement().asString().contains("nosuchnode").matches(".*\\([A-Z]+\\)$");
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    void aFailedCommandDoesNotStopTheNextOnes() throws Exception {
        Path image = image(4096);

        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true),
                "-c", "block:length nosuchnode; block:open " + image + " -n y; block:length y");

        assertThat(result.stdout()).containsExactly("y", "4096");
        assertThat(result.status()).isEqualTo(1);
    }

    @Test
    void blockCreateMakesAnImageAsQemuImgCreateDoesAndItOpens() throws Exception {
        Path image = tmp.resolve("new.img");

        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true), "-c", "block:create raw " + image
                + " 64K -o preallocation=full; block:open " + image + " -n c; block:length c");

        assertThat(result.stdout()).as("stderr:\n" + result.stderr()).containsExactly("Formatting '" + image
                + "', fmt=raw size=65536 preallocation=full", "c", "65536");
        assertThat(Files.size(image)).isEqualTo(65536);
        assertThat(result.status()).isZero();
    }

    @Test
    void everyBundleOfTheDistributionIsActiveExceptTheTerminalShell() throws Exception {
        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true), "-c", "felix:lb");

        Pattern row = Pattern.compile("^\\s*\\d+\\|(\\w+)\\s*\\|.*\\|(.+)$");
        List<Matcher> bundles = result.stdout().stream().map(row::matcher).filter(Matcher::matches).toList();
        assertThat(bundles).as("felix:lb rows").hasSize(1 + jarCount("bundle") + jarCount("deploy"));
        for (Matcher bundle : bundles) {
            String expected = bundle.group(0).contains("Gogo JLine Shell") ? "Installed" : "Active";
            assertThat(bundle.group(1)).as(bundle.group(0)).isEqualTo(expected);
        }
        assertThat(result.status()).isZero();
    }

    private Path image(int size) throws Exception {
        return Files.write(tmp.resolve("disk-" + size + ".img"), new byte[size]);
    }

    private static int jarCount(String dir) throws Exception {
        try (Stream<Path> jars = Files.list(LauncherProcess.DIST.resolve(dir))) {
            return (int) jars.filter(j -> j.toString().endsWith(".jar")).count();
        }
    }

    /** Issue 9 item 4: -c is plain words, not Gogo script. Before, "=raw" assigned a variable for good. */
    @Test
    void gogoSyntaxIsPlainWordsInCommandStrings() throws Exception {
        Path image = image(4096);

        Result result = LauncherProcess.runIn(tmp, LauncherProcess.deployDir(tmp, true), "-c",
                "block:open =raw; block:open " + image + " -n a >junk; block:open " + image + " -n a; block:length a;"
                        + " block:info 'a; block:nodes");

        assertThat(result.stdout()).as("stderr:\n" + result.stderr()).containsExactly("a", "4096");
        assertThat(result.stderr()).contains("error: block:open: unexpected argument '>junk'")
                .contains("error: unterminated ' quote at character 12 of this command: nothing from it on was run")
                .doesNotContain("Command not found", "Exception");
        assertThat(tmp.resolve("junk")).doesNotExist();
        assertThat(result.status()).isEqualTo(1);
    }

    /** Issue 9 item 6: help for every block command, a one-screen overview, Gogo's help for the others. */
    @Test
    void helpWorksForEveryCommand() throws Exception {
        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true), "-c",
                "help; help block:detach-timeout; help sg-capacity; open --help; help numbers; help lb");

        String out = String.join("\n", result.stdout());
        assertThat(out).as("stderr:\n" + result.stderr()).contains("block commands (scope block",
                "usage: block:detach-timeout [SECONDS]", "usage: block:sg-capacity NODE",
                "usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS", "1.5K is 1536",
                "lb - list");
        assertThat(out).doesNotContain("No methods found");
        assertThat(result.status()).isZero();
    }
}
