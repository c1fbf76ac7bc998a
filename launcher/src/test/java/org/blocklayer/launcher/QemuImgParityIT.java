package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.blocklayer.launcher.LauncherProcess.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The length of a raw image whose size is not a multiple of 512, through the shipped launcher, as QEMU sees it. */
class QemuImgParityIT {

    @TempDir
    Path tmp;

    @Test
    void lengthOfA65537ByteRawFileIs66048LikeQemuImg() throws Exception {
        Path image = Files.write(tmp.resolve("odd.img"), new byte[65537]);

        Result result = LauncherProcess.run(LauncherProcess.deployDir(tmp, true),
                "-c", "block:open " + image + " -n odd; block:length odd");

        assertThat(result.stdout()).as("stderr:\n" + result.stderr()).containsExactly("odd", "66048");
        assertThat(result.status()).isZero();

        Path qemuImg = onPath("qemu-img");
        if (qemuImg == null) {
            System.out.println("QemuImgParityIT: qemu-img is not installed (apt-get install qemu-utils; .ci/run does): "
                    + "skipping the comparison with QEMU");
        }
        assumeTrue(qemuImg != null, "qemu-img is not installed");
        assertThat(Long.parseLong(result.stdout().get(1))).isEqualTo(qemuVirtualSize(qemuImg, image));
    }

    private static long qemuVirtualSize(Path qemuImg, Path image) throws Exception {
        Process qemu = new ProcessBuilder(qemuImg.toString(), "info", "-f", "raw", "--output=json", image.toString())
                .redirectErrorStream(true).start();
        String json = new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(qemu.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(qemu.exitValue()).as(json).isZero();
        Matcher size = Pattern.compile("\"virtual-size\"\\s*:\\s*(\\d+)").matcher(json);
        assertThat(size.find()).as(json).isTrue();
        return Long.parseLong(size.group(1));
    }

    private static Path onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, program))
                .filter(Files::isExecutable)
                .findFirst().orElse(null);
    }
}
