package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --deploy} naming something that is not a directory: the launcher refuses to start, in one line. */
class DeployOptionIT {

    @TempDir
    Path tmp;

    @Test
    void aDeployDirectoryThatDoesNotExistStopsTheLauncherAndIsNotCreated() throws Exception {
        Path missing = tmp.resolve("nonexistent");
        LauncherProcess.Result result = LauncherProcess.run(missing, "-c", "block:drivers");
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.stderr()).contains("blocklayer: --deploy " + missing + ": no such directory")
                .doesNotContain("\tat ", "Exception");
        assertThat(result.stdout()).isEmpty();
        assertThat(missing).doesNotExist();
    }

    @Test
    void aDeployPathNamingAFileStopsTheLauncher() throws Exception {
        Path file = Files.writeString(tmp.resolve("file.jar"), "not a directory");
        LauncherProcess.Result result = LauncherProcess.run(file, "-c", "block:drivers");
        assertThat(result.status()).isEqualTo(2);
        assertThat(result.stderr()).contains("blocklayer: --deploy " + file + ": not a directory")
                .doesNotContain("\tat ", "Exception");
        assertThat(result.stdout()).isEmpty();
    }
}
