package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.blocklayer.qmp.internal.ProtocolTest.assertError;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Input meant to hurt: a 100 MiB line, nesting far past QEMU's limit, invalid UTF-8, a client that never reads.
 * Each is refused with one error, and the connection serves the next request.
 */
class HostileInputTest {
    @TempDir
    Path tmp;
    private QmpFixture qmp;

    @BeforeEach
    void start() throws Exception {
        qmp = new QmpFixture(tmp, Map.of("max-request-bytes", "65536"));
    }

    @AfterEach
    void stop() throws Exception {
        qmp.close();
    }

    @Test
    void aHundredMebibyteLineCostsOneErrorAndTheNextLineIsServed() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": \"query-version\", \"id\": \"");
            byte[] chunk = new byte[1 << 20];
            Arrays.fill(chunk, (byte) 'a');
            for (int i = 0; i < 100; i++) {
                c.sendRaw(chunk);
            }
            c.sendRaw("\"}\n{\"execute\": \"query-version\", \"id\": \"after\"}\n");
            assertError(c.reply(), "GenericError", "JSON token size limit exceeded");
            JsonNode next = c.reply();
            assertThat(next.get("id").asText()).isEqualTo("after");
            assertThat(next.has("return")).isTrue();
        }
    }

    @Test
    void nestingPastQemusLimitIsRefused() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": \"query-version\", \"arguments\": {\"x\": " + "[".repeat(5000) + "\n");
            assertError(c.reply(), "GenericError", "JSON nesting depth limit exceeded");
            assertThat(c.execute("query-version", null).has("return")).isTrue();
        }
    }

    @Test
    void invalidUtf8IsAParseError() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            byte[] head = "{\"execute\": \"query-".getBytes(StandardCharsets.US_ASCII);
            byte[] bad = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3};
            byte[] tail = "\"}\n".getBytes(StandardCharsets.US_ASCII);
            byte[] all = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, all, 0, head.length);
            System.arraycopy(bad, 0, all, head.length, bad.length);
            System.arraycopy(tail, 0, all, head.length + bad.length, tail.length);
            c.sendRaw(all);
            JsonNode r = c.reply();
            assertThat(r.get("error").get("class").asText()).isEqualTo("GenericError");
            assertThat(r.get("error").get("desc").asText()).startsWith("JSON parse error, ")
                    .containsIgnoringCase("UTF-8");
            assertThat(c.execute("query-version", null).has("return")).isTrue();
        }
    }

    @Test
    void anUnfinishedDocumentAtTheEndIsAnsweredBeforeTheConnectionCloses() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": \"query-version\", \"id\": 1}\n{\"execute\": ");
            c.shutdownOutput();
            assertThat(c.reply().get("id").asInt()).isEqualTo(1);
            assertError(c.reply(), "GenericError", "JSON parse error, premature EOI");
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aClientThatNeverReadsIsDroppedWithoutHoldingUpOthers() throws Exception {
        try (QmpTestClient reader = qmp.negotiated();
             java.nio.channels.SocketChannel silent = java.nio.channels.SocketChannel.open(
                     java.net.StandardProtocolFamily.UNIX)) {
            silent.connect(java.net.UnixDomainSocketAddress.of(qmp.socket));
            byte[] request = "{\"execute\": \"query-commands\"}\n".getBytes(StandardCharsets.US_ASCII);
            java.nio.ByteBuffer negotiate = java.nio.ByteBuffer.wrap(
                    "{\"execute\": \"qmp_capabilities\"}\n".getBytes(StandardCharsets.US_ASCII));
            silent.write(negotiate);
            // Far more replies than the socket buffer and the session's queue hold; the server must drop it.
            silent.configureBlocking(false);
            boolean dropped = false;
            for (int i = 0; i < 200_000 && !dropped; i++) {
                try {
                    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(request);
                    while (b.hasRemaining()) {
                        if (silent.write(b) == 0) {
                            assertThat(reader.execute("query-version", null).has("return")).isTrue();
                        }
                    }
                } catch (java.io.IOException e) {
                    dropped = true;
                }
            }
            assertThat(dropped).as("the server closed the connection of a client that does not read").isTrue();
            assertThat(reader.execute("query-version", null).has("return")).isTrue();
        }
    }
}
