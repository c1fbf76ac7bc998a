package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad clients never hurt the server: seeded mutations of the committed corpus (bit flips, interesting values in
 * length and flag fields, cuts, insertions, splices, random bytes) sent in random pieces, a client that stops in the
 * middle of a payload and hangs up, a thousand connections at once. The server stays up and answers a good client
 * after each, and once stopped it holds no connection (every session's receiver, requests and handshake ended: the
 * coroutines), no more file descriptors and no more threads than before. A failure prints the seed; replay it with
 * {@code -Dnbd.server.fuzz.seed=N}.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ServerFuzzTest {
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(3);
    private static final int[] INTERESTING = {0, 1, -1, 0x7fffffff, 0x80000000, 0xffff, 0x8000, 4096, 4097,
        Wire.MAX_BUFFER, Wire.MAX_BUFFER + 1, 1 << 20, (1 << 20) - 1, Wire.REQUEST_MAGIC, 7, 10};

    @TempDir
    Path dir;
    private ServerFixture f;

    /** A server whose handshakes time out after {@code handshake}, exporting "disk" (1 MiB, writable). */
    private void serve(Duration handshake) throws Exception {
        f = new ServerFixture(dir, handshake, 0);
        f.open(f.image("disk.img", 1 << 20), "disk", true);
        f.export("disk", null, true);
    }

    @AfterEach
    void tearDown() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void theCommittedCorpusIsWhatClientBytesBuilds() throws Exception {
        Path source = Path.of("src/test/resources/nbd-server-corpus");
        if (Boolean.getBoolean("nbd.server.corpus.write")) {
            Files.createDirectories(source);
            for (var e : ClientBytes.corpus().entrySet()) {
                Files.write(source.resolve(e.getKey()), e.getValue());
            }
        }
        for (var e : ClientBytes.corpus().entrySet()) {
            assertThat(ClientBytes.load(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void mutatedSessionsNeitherStopTheServerNorLeak() throws Exception {
        // Slow-loris inputs (a session cut short without hanging up) end at the handshake timeout.
        serve(Duration.ofMillis(500));
        goodClient();
        Resources before = Resources.now(f);
        long seed = Long.getLong("nbd.server.fuzz.seed", System.nanoTime());
        Random random = new Random(seed);
        List<byte[]> seeds = new ArrayList<>();
        for (String name : ClientBytes.corpus().keySet()) {
            seeds.add(ClientBytes.load(name));
        }
        int runs = 0;
        byte[] input = null;
        try {
            for (long end = System.nanoTime() + BUDGET_NANOS; System.nanoTime() < end; runs++) {
                input = mutate(random, seeds);
                send(input, random);
                if (runs % 50 == 0) {
                    goodClient();
                }
            }
            goodClient();
            f.server.stopNbdServer();
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + ", run " + runs + ", input "
                    + (input == null ? "-" : HexFormat.of().formatHex(input)), t);
        }
        System.out.println("ServerFuzzTest: " + runs + " sessions, seed " + seed);
        assertThat(runs).isGreaterThan(100);
        before.assertNoMoreThan(Resources.now(f));
    }

    @Test
    void aThousandConnectionsComeAndGo() throws Exception {
        serve(Duration.ofSeconds(60));
        goodClient();
        Resources before = Resources.now(f);
        List<SocketChannel> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 1000; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                clients.add(c);
                c.connect(UnixDomainSocketAddress.of(f.socket));
            }
            for (SocketChannel c : clients) {
                // The greeting: accepted, its handshake coroutine waiting for the client's flags.
                ByteBuffer greeting = ByteBuffer.allocate(18);
                while (greeting.hasRemaining() && c.read(greeting) >= 0) {
                    // reads until the 18 bytes are in
                }
                assertThat(greeting.getLong(0)).isEqualTo(Wire.PASSWD);
            }
            assertThat(f.server.nbdServer().connections()).isEqualTo(1000);
            goodClient();
        } finally {
            for (SocketChannel c : clients) {
                c.close();
            }
        }
        goodClient();
        f.server.stopNbdServer();
        before.assertNoMoreThan(Resources.now(f));
    }

    @Test
    void aClientThatHangsUpInTheMiddleOfAPayloadLeavesNothingBehind() throws Exception {
        serve(Duration.ofSeconds(10));
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("disk");
            c.request(0, Wire.Command.WRITE.code, 1, 0, 1 << 20, ByteBuffer.allocate(4096));
        }
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("disk");
            c.write(ByteBuffer.wrap(ClientBytes.request(0, Wire.Command.READ.code, 1, 0, 4096, null), 0, 11));
        }
        goodClient();
        f.server.stopNbdServer();
        assertThat(f.server.nbdServer()).isNull();
    }

    /** A well-behaved session: GO, a read of known bytes, DISC. */
    private void goodClient() throws IOException {
        try (RawClient c = RawClient.connect(f.socket)) {
            c.goTo("disk");
            c.request(0, Wire.Command.READ.code, 77, 0, 512, null);
            assertThat(c.simpleReply()).containsExactly(0, 77);
            c.read(512);
            c.request(0, Wire.Command.DISC.code, 78, 0, 0, null);
        }
    }

    /** Sends {@code input} in random pieces, reading and dropping what the server answers, then hangs up. */
    private void send(byte[] input, Random random) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(f.socket));
            c.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap(input);
            ByteBuffer in = ByteBuffer.allocate(1 << 16);
            int stall = 0;
            while (out.hasRemaining() && stall < 200) {
                int piece = Math.min(out.remaining(), 1 + random.nextInt(64));
                int n = c.write(out.slice(out.position(), piece));
                out.position(out.position() + n);
                in.clear();
                int r = c.read(in);
                if (r < 0) {
                    return;
                }
                stall = n == 0 && r == 0 ? stall + 1 : 0;
                if (stall > 0) {
                    Thread.onSpinWait();
                }
            }
        } catch (IOException serverHungUp) {
            // The server may close first; that is one of the allowed outcomes.
        }
    }

    private static byte[] mutate(Random r, List<byte[]> seeds) {
        byte[] s = seeds.get(r.nextInt(seeds.size())).clone();
        switch (r.nextInt(7)) {
            case 0 -> {
                for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
                    s[r.nextInt(s.length)] ^= (byte) (1 << r.nextInt(8));
                }
            }
            case 1 -> {
                int at = r.nextInt(Math.max(1, s.length - 4));
                ByteBuffer.wrap(s).putInt(at, INTERESTING[r.nextInt(INTERESTING.length)]);
            }
            case 2 -> {
                int at = r.nextInt(Math.max(1, s.length - 2));
                ByteBuffer.wrap(s).putShort(at, (short) INTERESTING[r.nextInt(INTERESTING.length)]);
            }
            case 3 -> s = java.util.Arrays.copyOf(s, r.nextInt(s.length));
            case 4 -> {
                byte[] extra = new byte[1 + r.nextInt(64)];
                r.nextBytes(extra);
                int at = r.nextInt(s.length);
                s = ClientBytes.concat(java.util.Arrays.copyOf(s, at), extra,
                        java.util.Arrays.copyOfRange(s, at, s.length));
            }
            case 5 -> {
                byte[] other = seeds.get(r.nextInt(seeds.size()));
                s = ClientBytes.concat(java.util.Arrays.copyOf(s, r.nextInt(s.length)),
                        java.util.Arrays.copyOfRange(other, r.nextInt(other.length), other.length));
            }
            default -> {
                s = new byte[r.nextInt(256)];
                r.nextBytes(s);
            }
        }
        return s;
    }

    /** What the process holds: file descriptors, threads, the server's connections. */
    record Resources(long fds, int threads) {
        static Resources now(ServerFixture f) throws Exception {
            // A closed channel's descriptor goes when its selector next selects: let the main loop go round twice.
            for (int i = 0; i < 2; i++) {
                CountDownLatch round = new CountDownLatch(1);
                f.scheduler.mainContext().schedule(round::countDown);
                assertThat(round.await(10, TimeUnit.SECONDS)).isTrue();
            }
            // Core's worker pool grows with load and shrinks after 10 s idle, as QEMU's thread pool: not counted.
            int threads = (int) Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> !t.getName().startsWith("blocklayer-worker-")).count();
            try (var list = Files.list(Path.of("/proc/self/fd"))) {
                return new Resources(list.count(), threads);
            }
        }

        void assertNoMoreThan(Resources after) {
            assertThat(after.fds()).as("file descriptors").isLessThanOrEqualTo(fds);
            assertThat(after.threads()).as("threads").isLessThanOrEqualTo(threads);
        }
    }
}
