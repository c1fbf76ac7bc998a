package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * B57: a blocklayer process killed with SIGKILL in the middle of allocating writes leaves an image that
 * {@code qemu-img check} finds without corruption (leaked clusters allowed, as QEMU), and every write acknowledged by
 * a flush reads back.
 */
class Qcow2CrashTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "cluster_size={0}")
    @ValueSource(ints = {512, 65536})
    void aKillDuringAllocatingWritesLeaksAtWorstAndKeepsWhatWasFlushed_B57(int cluster) throws Exception {
        Path img = dir.resolve("crash.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "cluster_size=" + cluster, img.toString(), "2G")
                .ok();
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> !a.startsWith("-agentlib") && !a.startsWith("-javaagent")).toList());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(), img.toString(),
                Integer.toString(cluster)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        int acked = -1;
        List<String> seen = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                seen.add(line);
                if (line.startsWith("acked ")) {
                    acked = Integer.parseInt(line.substring(6));
                    if (acked >= 300) {
                        p.destroyForcibly();
                        break;
                    }
                }
            }
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertThat(acked).as(String.join("\n", seen)).isGreaterThanOrEqualTo(300);

        Qcow2Fixture.Result check = Qcow2Fixture.run("qemu-img", "check", "--output=json", img.toString());
        assertThat(check.status()).as(check.out()).isIn(0, 3);
        assertThat(check.out()).doesNotContain("\"corruptions\"");
        Path raw = dir.resolve("after.raw");
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", img.toString(), raw.toString()).ok();
        try (var ch = java.nio.channels.FileChannel.open(raw)) {
            for (int i = 0; i <= acked; i++) {
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(CrashWriter.LENGTH);
                ch.read(b, CrashWriter.slot(i, cluster));
                assertThat(Arrays.equals(b.array(), CrashWriter.pattern(i))).as("write " + i).isTrue();
            }
        }
        assertThat(Files.size(img)).isPositive();
    }
}
