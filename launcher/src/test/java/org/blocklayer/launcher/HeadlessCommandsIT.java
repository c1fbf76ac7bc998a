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
}
