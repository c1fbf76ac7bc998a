package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributionTest {

    @TempDir
    Path home;

    @BeforeEach
    void layOutADistribution() throws Exception {
        Files.createDirectories(home.resolve("bundle"));
    }

    @Test
    void aDeployDirectoryThatDoesNotExistIsRefusedAndNotCreated() {
        Path missing = home.resolve("nonexistent");
        assertThatThrownBy(() -> Distribution.locate(home, missing))
                .isInstanceOf(LaunchException.class)
                .hasMessage("--deploy " + missing + ": no such directory");
        assertThat(missing).doesNotExist();
    }

    @Test
    void aDeployPathNamingAFileIsRefusedWithOneLine() throws Exception {
        Path file = Files.writeString(home.resolve("driver.jar"), "not a directory");
        assertThatThrownBy(() -> Distribution.locate(home, file))
                .isInstanceOf(LaunchException.class)
                .hasMessage("--deploy " + file + ": not a directory");
    }

    @Test
    void anExistingDeployDirectoryIsUsedAbsoluteAndNormalized() throws Exception {
        Path deploy = Files.createDirectories(home.resolve("drivers"));
        assertThat(Distribution.locate(home, home.resolve("x/../drivers")).deploy()).isEqualTo(deploy.toAbsolutePath());
    }

    @Test
    void withoutDeployTheDistributionsOwnDeployDirectoryIsUsed() throws Exception {
        assertThat(Distribution.locate(home, null).deploy()).isEqualTo(home.resolve("deploy").toAbsolutePath());
    }

    @Test
    void withoutBundleDirectoryThereIsNoDistribution() throws Exception {
        Files.delete(home.resolve("bundle"));
        assertThatThrownBy(() -> Distribution.locate(home, null))
                .isInstanceOf(LaunchException.class)
                .hasMessageStartingWith("no bundle/ directory next to the launcher in " + home);
    }
}
