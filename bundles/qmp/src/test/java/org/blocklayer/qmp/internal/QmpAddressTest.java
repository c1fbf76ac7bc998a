package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where QMP listens: unix sockets, loopback TCP only, and the configuration beside the framework property. */
class QmpAddressTest {
    @TempDir
    Path tmp;

    @Test
    void tcpIsTakenOnLoopbackOnly() {
        assertThat(QmpAddress.parse("tcp:127.0.0.1:4444").text()).isEqualTo("tcp:127.0.0.1:4444");
        assertThat(QmpAddress.parse("tcp:[::1]:4444").isUnix()).isFalse();
        assertThatThrownBy(() -> QmpAddress.parse("tcp:0.0.0.0:4444"))
                .hasMessageContaining("loopback address only");
        assertThatThrownBy(() -> QmpAddress.parse("tcp:127.0.0.1:x")).hasMessageContaining("not a number");
        assertThatThrownBy(() -> QmpAddress.parse("unix:")).hasMessageContaining("needs a path");
        assertThatThrownBy(() -> QmpAddress.parse("vsock:3:4")).hasMessageContaining("expected unix:PATH");
    }

    @Test
    void theConfigurationComesFirstAndThePropertyAddsWhatItLacks() {
        List<QmpAddress> a = QmpServer.addresses(Map.of("unix", "/run/q.sock", "tcp", "127.0.0.1:1"),
                "unix:/run/q.sock,tcp:127.0.0.1:2");
        assertThat(a).extracting(QmpAddress::text).containsExactly("unix:/run/q.sock", "tcp:127.0.0.1:1",
                "tcp:127.0.0.1:2");
    }

    @Test
    void aTcpListenerGreetsAndAStaleUnixSocketIsReplacedButNoOtherFile() throws Exception {
        Path stale = tmp.resolve("qmp.sock");
        try (QmpFixture first = new QmpFixture(tmp)) {
            assertThat(Files.exists(stale)).isTrue();
        }
        // A socket file left behind (a killed process) is replaced, as QEMU unlinks one before it binds.
        try (var channel = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            channel.bind(java.net.UnixDomainSocketAddress.of(stale));
        }
        assertThat(Files.exists(stale)).isTrue();
        try (QmpFixture again = new QmpFixture(tmp, Map.of("tcp", "127.0.0.1:0"))) {
            String tcp = again.server.boundAddresses().get(1);
            int port = Integer.parseInt(tcp.substring(tcp.lastIndexOf(':') + 1));
            try (Socket s = new Socket("127.0.0.1", port)) {
                String greeting = new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8)).readLine();
                assertThat(greeting).startsWith("{\"QMP\":{\"version\":");
            }
        }
        Path file = tmp.resolve("other");
        Files.writeString(file, "keep me");
        assertThatThrownBy(() -> QmpListener.listen(QmpAddress.unix(file.toString()), c -> { }))
                .hasMessageContaining("a file that is not a socket is there");
        assertThat(Files.readString(file)).isEqualTo("keep me");
    }
}
