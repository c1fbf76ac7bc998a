package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Fuzzes the server for a bounded time from three clients at once: random bytes, and real requests mutated (bytes
 * flipped, dropped, doubled, cut short, braces and quotes inserted). After each burst a client resets the parser as
 * qmp-spec.txt says (a control character) and sends a marked {@code query-version}; it must be answered within 30 s,
 * and every message before it must be a reply or an error object. The server must serve a new client at the end.
 * {@code -Dqmp.fuzz.seed=N} replays a run (its seed is printed), {@code -Dqmp.fuzz.seconds=S} runs longer.
 */
class QmpFuzzTest {
    private static final List<String> TEMPLATES = List.of(
            "{\"execute\": \"query-version\", \"id\": 1}",
            "{\"execute\": \"qmp_capabilities\"}",
            "{\"execute\": \"query-commands\"}",
            "{\"execute\": \"query-named-block-nodes\", \"arguments\": {\"flat\": true}}",
            "{\"execute\": \"x-debug-query-block-graph\"}",
            "{\"execute\": \"query-block-exports\"}",
            "{\"execute\": \"object-add\", \"arguments\": {\"qom-type\": \"iothread\", \"id\": \"io%d\"}}",
            "{\"execute\": \"object-del\", \"arguments\": {\"id\": \"io%d\"}}",
            "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"raw\", \"node-name\": \"n%d\", \"file\":"
                    + " {\"driver\": \"file\", \"filename\": \"@IMAGE@\"}}}",
            "{\"execute\": \"blockdev-add\", \"arguments\": {\"driver\": \"qcow2\", \"node-name\": \"q%d\", \"file\":"
                    + " {\"driver\": \"file\", \"filename\": \"@IMAGE@\"}, \"read-only\": true}}",
            "{\"execute\": \"blockdev-del\", \"arguments\": {\"node-name\": \"n%d\"}}",
            "{\"execute\": \"block_resize\", \"arguments\": {\"node-name\": \"n%d\", \"size\": 1048576}}",
            "{\"execute\": \"x-blockdev-set-iothread\", \"arguments\": {\"node-name\": \"n%d\", \"iothread\":"
                    + " \"io%d\"}}",
            "{\"execute\": \"block-export-del\", \"arguments\": {\"id\": \"e%d\", \"mode\": \"hard\"}}",
            "{\"execute\": \"query-version\", \"id\": {\"a\": [1, 2.5, null, true, \"x\\u00e9\\n\"]}}");

    @TempDir
    Path tmp;

    @Test
    void randomAndMutatedInputNeverKillsTheServerNorLeavesAClientWaiting() throws Exception {
        long seed = Long.getLong("qmp.fuzz.seed", System.nanoTime());
        long seconds = Long.getLong("qmp.fuzz.seconds", 8);
        System.err.println("QmpFuzzTest: seed " + seed + " (replay with -Dqmp.fuzz.seed=" + seed + ")");
        Path image = tmp.resolve("fuzz.raw");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        try (QmpFixture qmp = new QmpFixture(tmp, Map.of("max-request-bytes", "16384"))) {
            ExecutorService clients = Executors.newFixedThreadPool(3);
            long deadline = System.nanoTime() + seconds * 1_000_000_000L;
            List<Future<Integer>> runs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                Random random = new Random(seed + i);
                runs.add(clients.submit(() -> fuzz(qmp, random, image, deadline)));
            }
            int bursts = 0;
            for (Future<Integer> run : runs) {
                bursts += run.get();
            }
            clients.shutdown();
            System.err.println("QmpFuzzTest: " + bursts + " bursts answered in " + seconds + " s");
            assertThat(bursts).isPositive();
            try (QmpTestClient c = qmp.negotiated()) {
                assertThat(c.command("query-version").get("qemu").get("major").asInt()).isEqualTo(7);
            }
        }
    }

    private static int fuzz(QmpFixture qmp, Random random, Path image, long deadline) throws Exception {
        int bursts = 0;
        while (System.nanoTime() < deadline) {
            try (QmpTestClient c = qmp.connect()) {
                c.greeting();
                if (random.nextBoolean()) {
                    c.command("qmp_capabilities");
                }
                for (int burst = 0; burst < 20 && System.nanoTime() < deadline; burst++) {
                    for (int i = random.nextInt(8); i >= 0; i--) {
                        c.sendRaw(input(random, image));
                    }
                    String mark = "sync-" + bursts++;
                    // A control character resets a parser left inside a document (qmp-spec.txt 2.6).
                    c.sendRaw("\u0001\n{\"execute\": \"query-version\", \"id\": \"" + mark + "\"}\n");
                    awaitMark(c, mark);
                }
            }
        }
        return bursts;
    }

    /** Reads replies up to the marked one; each must be a QMP reply object. */
    private static void awaitMark(QmpTestClient c, String mark) {
        while (true) {
            JsonNode r = c.reply();
            assertThat(r.isObject()).isTrue();
            assertThat(r.has("return") || r.has("error")).as("reply or error: %s", r).isTrue();
            if (r.has("error")) {
                assertThat(r.get("error").get("class").asText()).isIn("GenericError", "CommandNotFound");
                assertThat(r.get("error").get("desc").asText()).isNotEmpty();
            }
            JsonNode id = r.get("id");
            if (id != null && id.isTextual() && id.textValue().equals(mark)) {
                return;
            }
        }
    }

    private static byte[] input(Random random, Path image) {
        if (random.nextInt(5) == 0) {
            byte[] noise = new byte[random.nextInt(300)];
            random.nextBytes(noise);
            return noise;
        }
        String template = TEMPLATES.get(random.nextInt(TEMPLATES.size()));
        String text = template.replace("@IMAGE@", image.toString()).replace("%d",
                Integer.toString(random.nextInt(3)));
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int mutations = random.nextInt(4);
        for (int m = 0; m < mutations && bytes.length > 0; m++) {
            bytes = mutate(random, bytes);
        }
        return random.nextBoolean() ? bytes : (new String(bytes, StandardCharsets.ISO_8859_1) + "\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] mutate(Random random, byte[] in) {
        int at = random.nextInt(in.length);
        byte[] inserts = {'{', '}', '[', ']', '"', ',', ':', '\\', 0, (byte) 0xff, '\n'};
        return switch (random.nextInt(5)) {
            case 0 -> {
                byte[] out = in.clone();
                out[at] ^= (byte) (1 << random.nextInt(8));
                yield out;
            }
            case 1 -> concat(slice(in, 0, at), slice(in, at + 1, in.length));
            case 2 -> concat(slice(in, 0, at), slice(in, at, in.length), slice(in, at, Math.min(in.length,
                    at + random.nextInt(16))));
            case 3 -> slice(in, 0, at);
            default -> concat(slice(in, 0, at), new byte[] {inserts[random.nextInt(inserts.length)]},
                    slice(in, at, in.length));
        };
    }

    private static byte[] slice(byte[] b, int from, int to) {
        return java.util.Arrays.copyOfRange(b, from, to);
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
