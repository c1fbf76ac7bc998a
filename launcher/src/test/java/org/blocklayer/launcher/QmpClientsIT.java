package org.blocklayer.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * QEMU's own QMP clients, unchanged, against {@code ./blocklayer --qmp unix:PATH}: a session built on
 * {@code qemu.qmp} (adds raw and qcow2 nodes, resizes, moves to an iothread, exports over NBD, deletes, and provokes
 * errors) whose transcript must match qemu-storage-daemon 7.2's (golden/qsd-7.2.jsonl); a piped {@code qmp-shell}
 * session; {@code render_block_graph.py} drawing the graph; then QMP's {@code quit} ends blocklayer.
 */
class QmpClientsIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Path QMP = Path.of(System.getProperty("blocklayer.qmp.resources",
            "target/test-classes/qmp")).toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void qemusClientsDriveBlocklayerAsTheyDriveQemuStorageDaemon() throws Exception {
        Needs.that(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 (Debian package python3)");
        Needs.tool("qemu-img", "qemu-utils");
        Needs.tool("dot", "graphviz");
        Needs.that(run(List.of("/usr/bin/python3", "-c", "import graphviz"), null).status() == 0,
                "python3's graphviz module (Debian package python3-graphviz)");
        Path dir = Files.createDirectories(tmp.resolve("images"));
        assertThat(run(List.of("sh", QMP.resolve("make-images.sh").toString(), dir.toString()), null).status())
                .isZero();
        Path socket = tmp.resolve("qmp.sock");
        try (LauncherProcess launcher = LauncherProcess.start(LauncherProcess.deployDir(tmp, true), "--qmp",
                "unix:" + socket)) {
            awaitSocket(launcher, socket);

            Result session = python(List.of(QMP.resolve("session.py").toString(), socket.toString(),
                    dir.toString()), null);
            assertThat(session.status()).as("session.py: %s\nits transcript so far:\n%s", session.stderr(),
                    session.stdout()).isZero();
            List<JsonNode> ours = lines(session.stdout());
            List<JsonNode> golden = lines(Files.readString(QMP.resolve("golden/qsd-7.2.jsonl")));
            List<String> explained = new ArrayList<>();
            List<String> unexplained = QmpTranscripts.unexplained(golden, ours, explained);
            explained.forEach(d -> System.err.println("QmpClientsIT: " + d));
            assertThat(unexplained).as("differences from qemu-storage-daemon 7.2 that README.md does not explain")
                    .isEmpty();
            assertThat(explained).as("the known differences still show (else README.md should drop them)")
                    .anyMatch(d -> d.contains("actual-size")).anyMatch(d -> d.contains(".ro:"));

            Result shell = python(List.of(QMP.resolve("scripts/qmp/qmp-shell").toString(), socket.toString()),
                    "query-version\n"
                            + "blockdev-add driver=raw node-name=sh0 file={\"driver\":\"file\",\"filename\":\""
                            + dir.resolve("raw.img") + "\"}\n"
                            + "blockdev-add driver=qcow2 node-name=sh1 file={\"driver\":\"file\",\"filename\":\""
                            + dir.resolve("top.qcow2") + "\"}\n"
                            + "block_resize node-name=sh0 size=1048576\n"
                            + "query-named-block-nodes\n"
                            + "blockdev-del node-name=nosuch\n");
            assertThat(shell.status()).as("qmp-shell: %s", shell.stderr()).isZero();
            List<String> replies = shell.stdout().lines().filter(l -> l.startsWith("(QEMU) {"))
                    .map(l -> l.substring("(QEMU) ".length())).toList();
            assertThat(replies).hasSize(6);
            assertThat(replies.get(0)).contains("\"package\": \"blocklayer ");
            assertThat(replies.get(1)).isEqualTo("{\"return\": {}}");
            assertThat(replies.get(2)).isEqualTo("{\"return\": {}}");
            assertThat(replies.get(3)).isEqualTo("{\"return\": {}}");
            JsonNode nodes = JSON.readTree(replies.get(4)).get("return");
            assertThat(nodes.findValuesAsText("node-name")).contains("sh0", "sh1");
            assertThat(nodes.findValues("virtual-size").stream().map(JsonNode::asLong)).contains(1048576L);
            assertThat(replies.get(5)).isEqualTo("{\"error\": {\"class\": \"GenericError\", \"desc\": \"Failed to find"
                    + " node with node-name='nosuch'\"}}");

            Path picture = tmp.resolve("graph");
            Result render = python(List.of(QMP.resolve("scripts/render_block_graph.py").toString(),
                    socket.toString(), picture.toString()), null);
            assertThat(render.status()).as("render_block_graph.py: %s", render.stderr()).isZero();
            String dot = Files.readString(picture);
            assertThat(dot).contains("label=\"sh0 [raw]\"", "label=\"sh1 [qcow2]\"", "raw.img", "top.qcow2",
                    "base.qcow2", "backing\\l");
            byte[] png = Files.readAllBytes(Path.of(picture + ".png"));
            assertThat(png).startsWith(0x89, 'P', 'N', 'G');

            Result quit = python(List.of(QMP.resolve("scripts/qmp/qmp-shell").toString(), socket.toString()),
                    "quit\n");
            assertThat(quit.stdout()).contains("{\"return\": {}}");
            assertThat(launcher.awaitExit(LIMIT)).isZero();
        }
    }

    @Test
    void aConfigurationInDeployMakesItListenWithoutTheOption() throws Exception {
        Needs.that(Files.isExecutable(Path.of("/usr/bin/python3")), "/usr/bin/python3 (Debian package python3)");
        Path deploy = LauncherProcess.deployDir(tmp, true);
        Path socket = tmp.resolve("configured.sock");
        Files.writeString(deploy.resolve("org.blocklayer.qmp.cfg"), "unix=" + socket + "\n");
        try (LauncherProcess launcher = LauncherProcess.start(deploy)) {
            awaitSocket(launcher, socket);
            Result shell = python(List.of(QMP.resolve("scripts/qmp/qmp-shell").toString(), socket.toString()),
                    "query-version\n");
            assertThat(shell.stdout()).contains("\"package\": \"blocklayer ");
        }
    }

    private static void awaitSocket(LauncherProcess launcher, Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!Files.exists(socket)) {
            if (System.nanoTime() > deadline || !launcher.isAlive()) {
                throw new AssertionError("no QMP socket " + socket + " within " + LIMIT + "; stderr:\n"
                        + launcher.stderr());
            }
            Thread.sleep(20);
        }
    }

    private static List<JsonNode> lines(String text) throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (String line : text.lines().filter(l -> !l.isBlank()).toList()) {
            list.add(JSON.readTree(line));
        }
        return list;
    }

    record Result(int status, String stdout, String stderr) {
    }

    private static Result python(List<String> args, String stdin) throws Exception {
        List<String> command = new ArrayList<>();
        command.add("/usr/bin/python3");
        command.addAll(args);
        return run(command, stdin);
    }

    private static Result run(List<String> command, String stdin) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command);
        Process p = builder.start();
        try (var in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        var out = p.getInputStream();
        var err = p.getErrorStream();
        byte[][] captured = new byte[2][];
        Thread o = Thread.ofPlatform().start(() -> captured[0] = readAll(out));
        Thread e = Thread.ofPlatform().start(() -> captured[1] = readAll(err));
        if (!p.waitFor(LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError(command + " did not end within " + LIMIT);
        }
        o.join();
        e.join();
        return new Result(p.exitValue(), new String(captured[0], StandardCharsets.UTF_8),
                new String(captured[1], StandardCharsets.UTF_8));
    }

    private static byte[] readAll(java.io.InputStream in) {
        try {
            return in.readAllBytes();
        } catch (IOException ex) {
            return new byte[0];
        }
    }
}
