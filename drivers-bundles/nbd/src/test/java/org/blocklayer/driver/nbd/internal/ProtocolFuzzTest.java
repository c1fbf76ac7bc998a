package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded fuzzing of the two parsers that read the server's bytes: {@link Handshake} and {@link ReplyParser}. Inputs
 * are mutations of the committed corpus (bit flips, interesting values in length and cookie fields, cuts,
 * insertions, splices) and plain random bytes. Each must end in a result or the parser's own exceptions, never
 * anything else, and never loop. Bounded to a few seconds; a failure prints the seed and the input.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProtocolFuzzTest {
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(2);
    private static final int[] INTERESTING = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x8000, 8, 9, 12, 13, 4096,
        Nbd.SIMPLE_REPLY_MAGIC, Nbd.STRUCTURED_REPLY_MAGIC, Nbd.REP_ACK, Nbd.REP_INFO, Nbd.REP_ERR_UNSUP};

    @Test
    void theCommittedCorpusIsWhatServerBytesBuilds() throws Exception {
        Path source = Path.of("src/test/resources/nbd-corpus");
        if (Boolean.getBoolean("nbd.corpus.write")) {
            Files.createDirectories(source);
            for (var e : Corpus.expected().entrySet()) {
                Files.write(source.resolve(e.getKey()), e.getValue());
            }
        }
        for (var e : Corpus.expected().entrySet()) {
            assertThat(Corpus.load(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void theCorpusParsesCleanly() throws Exception {
        for (var e : corpus("hs-").entrySet()) {
            try {
                ExportInfo info = new Handshake(new BufferIo(e.getValue()), "e", "fuzz").negotiate();
                assertThat(info.size()).as(e.getKey()).isPositive();
            } catch (BlockException refused) {
                assertThat(e.getKey()).isEqualTo("hs-unknown-export.bin");
            }
        }
        for (var e : corpus("rep-").entrySet()) {
            FakeTable t = Corpus.table();
            new ReplyParser(t, e.getKey().startsWith("rep-s-")).feed(ByteBuffer.wrap(e.getValue()));
            assertThat(t.completed).as(e.getKey()).isNotEmpty();
        }
    }

    @Test
    void handshakeParserSurvivesMutatedAndRandomInput() throws Exception {
        List<byte[]> seeds = new ArrayList<>(corpus("hs-").values());
        int runs = fuzz(1, seeds, input -> {
            try {
                new Handshake(new BufferIo(input), "export", "fuzz").negotiate();
            } catch (BlockException | NbdProtocolException | IOException expected) {
                // the allowed outcomes
            }
        });
        assertThat(runs).isGreaterThan(1000);
    }

    @Test
    void replyParserSurvivesMutatedAndRandomInput() throws Exception {
        Map<String, byte[]> c = corpus("rep-");
        List<byte[]> seeds = new ArrayList<>(c.values());
        int[] run = {0};
        int runs = fuzz(2, seeds, input -> {
            boolean structured = (run[0]++ & 1) == 0;
            FakeTable t = Corpus.table();
            ReplyParser p = new ReplyParser(t, structured);
            Random pieces = new Random(input.length * 31L + run[0]);
            try {
                ByteBuffer in = ByteBuffer.wrap(input);
                while (in.hasRemaining()) {
                    ByteBuffer direct = p.directTarget();
                    int n = 1 + pieces.nextInt(Math.min(in.remaining(), 700));
                    if (direct != null && pieces.nextBoolean()) {
                        int k = Math.min(n, direct.remaining());
                        direct.put(in.slice(in.position(), k));
                        in.position(in.position() + k);
                        p.directFilled();
                    } else {
                        ByteBuffer part = in.slice(in.position(), n);
                        in.position(in.position() + n);
                        p.feed(part);
                        if (part.hasRemaining()) {
                            throw new AssertionError("feed left " + part.remaining() + " bytes");
                        }
                    }
                }
            } catch (NbdProtocolException expected) {
                return;
            }
            for (NbdRequest r : t.completed) {
                assertThat(t.pending).doesNotContainKey(r.cookie());
                if (structured && r.type() == Nbd.CMD_READ && r.serverErrorValue() == 0) {
                    assertThat(r.coverage().total()).isEqualTo(r.length());
                }
            }
            assertThat(t.completed).doesNotHaveDuplicates();
        });
        assertThat(runs).isGreaterThan(1000);
    }

    @FunctionalInterface
    interface Target {
        void accept(byte[] input) throws Exception;
    }

    /** Runs {@code target} on mutations of {@code seeds} and random inputs until the budget is spent. */
    private static int fuzz(long seed, List<byte[]> seeds, Target target) {
        Random random = new Random(seed);
        long deadline = System.nanoTime() + BUDGET_NANOS;
        int runs = 0;
        while (System.nanoTime() < deadline || runs < 2000) {
            byte[] input = runs % 10 == 9 ? randomBytes(random) : mutate(random, seeds);
            try {
                target.accept(input);
            } catch (Throwable t) {
                fail("seed " + seed + " run " + runs + ": " + t + "\ninput " + HexFormat.of().formatHex(input), t);
            }
            runs++;
        }
        return runs;
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(300)];
        r.nextBytes(b);
        return b;
    }

    private static byte[] mutate(Random r, List<byte[]> seeds) {
        byte[] b = seeds.get(r.nextInt(seeds.size())).clone();
        int rounds = 1 + r.nextInt(4);
        for (int i = 0; i < rounds && b.length > 0; i++) {
            int at = r.nextInt(b.length);
            switch (r.nextInt(7)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt(256);
                case 2 -> {
                    if (at + 4 <= b.length) {
                        ByteBuffer.wrap(b).putInt(at, INTERESTING[r.nextInt(INTERESTING.length)]);
                    }
                }
                case 3 -> b = java.util.Arrays.copyOf(b, at);
                case 4 -> {
                    byte[] extra = new byte[1 + r.nextInt(16)];
                    r.nextBytes(extra);
                    b = ServerBytes.concat(java.util.Arrays.copyOf(b, at), extra,
                            java.util.Arrays.copyOfRange(b, at, b.length));
                }
                case 5 -> {
                    int len = r.nextInt(b.length - at) + 1;
                    b = ServerBytes.concat(java.util.Arrays.copyOf(b, at), java.util.Arrays.copyOfRange(b, at + len,
                            b.length));
                }
                default -> {
                    byte[] other = seeds.get(r.nextInt(seeds.size()));
                    int from = r.nextInt(other.length);
                    b = ServerBytes.concat(java.util.Arrays.copyOf(b, at), java.util.Arrays.copyOfRange(other, from,
                            other.length));
                }
            }
        }
        return b;
    }

    private static Map<String, byte[]> corpus(String prefix) throws IOException {
        Map<String, byte[]> m = new java.util.TreeMap<>();
        for (String name : Corpus.expected().keySet()) {
            if (name.startsWith(prefix)) {
                m.put(name, Corpus.load(name));
            }
        }
        return m;
    }
}
