package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The golden transcript is what qemu-storage-daemon 7.2 says today: session.py run against a live
 * {@code qemu-storage-daemon} (as record-golden.sh runs it) gives golden/qsd-7.2.jsonl again, but for the bytes the
 * images take on disk ({@code actual-size}), which depend on the file system.
 */
class QmpGoldenIT {
    private static final Path QMP = Path.of(System.getProperty("blocklayer.qmp.resources",
            "target/test-classes/qmp")).toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void theGoldenTranscriptIsWhatQemuStorageDaemonSays() throws Exception {
        Needs.that(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 (Debian package python3)");
        Needs.tool("qemu-img", "qemu-utils");
        Needs.tool("qemu-storage-daemon", "qemu-system-common");
        assertThat(new ProcessBuilder("sh", QMP.resolve("make-images.sh").toString(), tmp.toString()).inheritIO()
                .start().waitFor()).isZero();
        Path socket = tmp.resolve("qmp.sock");
        Process qsd = new ProcessBuilder("qemu-storage-daemon", "--chardev", "socket,path=" + socket
                + ",server=on,wait=off,id=m", "--monitor", "chardev=m").inheritIO().start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(socket)) {
                assertThat(qsd.isAlive()).as("qemu-storage-daemon is running").isTrue();
                assertThat(System.nanoTime()).as("QMP socket within 30 s").isLessThan(deadline);
                Thread.sleep(20);
            }
            Process session = new ProcessBuilder("/usr/bin/python3", QMP.resolve("session.py").toString(),
                    socket.toString(), tmp.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(session.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(session.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(session.exitValue()).isZero();
            List<JsonNode> live = lines(out);
            List<JsonNode> golden = lines(Files.readString(QMP.resolve("golden/qsd-7.2.jsonl")));
            assertThat(live).hasSameSizeAs(golden);
            List<String> diffs = new ArrayList<>();
            for (int i = 0; i < golden.size(); i++) {
                QmpTranscripts.compare(golden.get(i), live.get(i), "line " + (i + 1), diffs);
            }
            assertThat(diffs).allMatch(d -> d.contains(".actual-size: qemu-storage-daemon says"));
        } finally {
            qsd.destroy();
            qsd.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static List<JsonNode> lines(String text) throws java.io.IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : text.lines().filter(l -> !l.isBlank()).toList()) {
            list.add(JSON.readTree(line));
        }
        return list;
    }
}
