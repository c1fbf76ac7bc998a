package org.blocklayer.driver.nbd.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What a user reads when the server goes away or the input is odd: the real command, the real cause, no raw bytes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FailureMessagesTest {
    private static final int RW = Nbd.FLAG_SEND_FLUSH | Nbd.FLAG_SEND_FUA | Nbd.FLAG_SEND_TRIM
            | Nbd.FLAG_SEND_WRITE_ZEROES;

    @TempDir
    Path dir;
    private final TestCore core = new TestCore();
    private FakeServer server;

    @AfterEach
    void tearDown() throws Exception {
        core.close();
        if (server != null) {
            server.close();
        }
    }

    /** A server that answers one read, takes the next request and dies without answering it. */
    private BlockBackend openDyingServer(String export) throws Exception {
        server = new FakeServer(peer -> {
            peer.handshake(1 << 20, RW);
            FakeServer.Request read = peer.read();
            peer.send(ServerBytes.data(true, read.cookie(), 0, new byte[4096]));
            peer.read();
            peer.close();
        });
        BlockBackend bs = core.open("nbd://127.0.0.1:" + server.port() + "/" + export, "driver=nbd", OpenFlags.RDWR);
        bs.pread(0, ByteBuffer.allocate(4096));
        return bs;
    }

    private static void failsNaming(Call call, String command) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).as(e.getMessage()).isEqualTo(Errno.EIO);
            assertThat(e.driver()).isEqualTo("nbd");
            assertThat(e.getMessage()).startsWith("node '" + e.node() + "', driver 'nbd': NBD " + command + " ")
                    .doesNotContain("NBD read");
        });
    }

    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    @Test
    void everyCommandAfterTheServerDiedNamesItselfNotRead() throws Exception {
        BlockBackend bs = openDyingServer("");
        // In flight when the server died: fails as lost, naming the write.
        failsNaming(() -> bs.pwrite(0, ByteBuffer.allocate(4096)), "write of 4096 bytes at offset 0");
        // Later ones find the client dead; each still says what it was.
        failsNaming(() -> bs.pwrite(4096, ByteBuffer.allocate(4096)), "write of 4096 bytes at offset 4096");
        failsNaming(bs::flush, "flush");
        failsNaming(() -> core.inReader(() -> {
            core.nbd.coPdiscard(core.driverNode(bs), 0, 4096);
            return null;
        }), "trim of 4096 bytes at offset 0");
        failsNaming(() -> core.inReader(() -> {
            core.nbd.coPwriteZeroes(core.driverNode(bs), 8192, 4096, 0);
            return null;
        }), "write-zeroes of 4096 bytes at offset 8192");
        assertThatThrownBy(() -> bs.pread(0, ByteBuffer.allocate(512)))
                .hasMessageContaining("NBD read of 512 bytes at offset 0 failed: export '' on server 127.0.0.1:"
                        + server.port() + " is not connected: lost the connection");
    }

    @Test
    void anExportNameWithNulAndEscapeIsEchoedEscaped() throws Exception {
        // %00 %1b %ff: a NUL, an ESC and a byte that is no UTF-8 (decoded as U+FFFD).
        BlockBackend bs = openDyingServer("a%00%1b%5b2J%ff");
        assertThatThrownBy(() -> bs.pwrite(0, ByteBuffer.allocate(4096))).isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.getMessage()).contains("export 'a\\x00\\x1b[2J\ufffd' on server")
                            .doesNotContain("\u0000").doesNotContain("\u001b");
                    assertThat(e.getMessage().chars()).noneMatch(c -> c < 0x20 || c == 0x7f);
                });
    }

    @Test
    void aTooLongUnixSocketPathSaysSoAsQemuDoesNotEio() {
        String path = dir.resolve("s".repeat(120)).toString();

        // qemu-io: UNIX socket path '/tmp/...' is too long / Path must be less than 108 bytes
        assertThatThrownBy(() -> core.open("nbd+unix:///?socket=" + path, "driver=nbd", 0))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENAMETOOLONG);
                    assertThat(e.getMessage()).contains("UNIX socket path '" + path + "' is too long ("
                            + path.length() + " bytes; a path must be less than 108 bytes)");
                });
    }

    @Test
    void aPathTheJdkCannotTakeIsEnametoolongToo() {
        String base = dir.toString() + "/";
        String path = base + "s".repeat(107 - base.length());

        assertThatThrownBy(() -> core.open("nbd+unix:///?socket=" + path, "driver=nbd", 0))
                .isInstanceOfSatisfying(BlockException.class,
                        e -> assertThat(e.errno()).as(e.getMessage()).isEqualTo(Errno.ENAMETOOLONG));
    }

    @Test
    void aFailedConnectCarriesTheKernelsErrnoAndItsText() throws Exception {
        Path file = Files.createFile(dir.resolve("not-a-socket"));

        assertThatThrownBy(() -> core.open("nbd+unix:///?socket=" + file, "driver=nbd", 0))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ECONNREFUSED);
                    assertThat(e.driver()).isEqualTo("nbd");
                    assertThat(e.detail()).isEqualTo("Failed to connect to NBD server unix:" + file
                            + ": Connection refused");
                });
    }

    @Test
    void theServersEoverflowIsEoverflow() {
        assertThat(Nbd.errno(75)).isEqualTo(Errno.EOVERFLOW);
    }
}
