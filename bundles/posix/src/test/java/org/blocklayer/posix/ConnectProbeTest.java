package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.Errno;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConnectProbeTest {
    private static final long TIMEOUT = TimeUnit.SECONDS.toNanos(5);

    @TempDir
    Path dir;

    @Test
    void aMissingUnixSocketIsEnoentAsTheJdksConnectSaysInWords() {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("none.sock"));

        assertThat(ConnectProbe.failure(address, TIMEOUT)).contains(Errno.ENOENT);
        assertThat(jdkConnectFailure(address)).isEqualTo(Errno.ENOENT.description());
    }

    @Test
    void aFileThatIsNoSocketIsEconnrefused() throws Exception {
        Path file = Files.createFile(dir.resolve("plain"));
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(file);

        assertThat(ConnectProbe.failure(address, TIMEOUT)).contains(Errno.ECONNREFUSED);
        assertThat(jdkConnectFailure(address)).isEqualTo(Errno.ECONNREFUSED.description());
    }

    @Test
    void aClosedTcpPortIsEconnrefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);

        assertThat(ConnectProbe.failure(address, TIMEOUT)).contains(Errno.ECONNREFUSED);
    }

    @Test
    void aListeningServerGivesNoErrnoAndTheProbeLeavesNoConnectionOpen() throws Exception {
        Path path = dir.resolve("s.sock");
        try (ServerSocketChannel unix = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            unix.bind(UnixDomainSocketAddress.of(path));

            assertThat(ConnectProbe.failure(UnixDomainSocketAddress.of(path), TIMEOUT)).isEmpty();
            assertThat(ConnectProbe.failure(tcp.getLocalSocketAddress(), TIMEOUT)).isEmpty();
            try (SocketChannel accepted = unix.accept()) {
                assertThat(accepted.read(ByteBuffer.allocate(1))).as("closed by the probe").isEqualTo(-1);
            }
        }
    }

    @Test
    void anAddressThatIsNotResolvedGivesNothingToConnectTo() {
        assertThat(ConnectProbe.failure(InetSocketAddress.createUnresolved("example.invalid", 10809), TIMEOUT))
                .isEmpty();
        assertThat(ConnectProbe.failure(UnixDomainSocketAddress.of("/" + "s".repeat(200)), TIMEOUT)).isEmpty();
    }

    /** What the JDK's own connect says: the words the probe's errno stands for. */
    private static String jdkConnectFailure(SocketAddress address) {
        Throwable[] failure = new Throwable[1];
        assertThatThrownBy(() -> {
            try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                c.connect(address);
            }
        }).isInstanceOfSatisfying(SocketException.class, e -> failure[0] = e);
        return failure[0].getMessage();
    }
}
