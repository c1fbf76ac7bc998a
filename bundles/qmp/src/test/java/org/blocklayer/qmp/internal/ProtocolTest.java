package org.blocklayer.qmp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/** The QMP protocol as QEMU's monitor/qmp.c and qapi/qmp-dispatch.c speak it, over a real unix socket. */
class ProtocolTest {
    @TempDir
    Path tmp;
    private QmpFixture qmp;

    @BeforeEach
    void start() throws Exception {
        qmp = new QmpFixture(tmp);
    }

    @AfterEach
    void stop() throws Exception {
        qmp.close();
    }

    @Test
    void greetsWithVersionAndNoCapabilities() throws Exception {
        try (QmpTestClient c = qmp.connect()) {
            JsonNode g = c.greeting().get("QMP");
            assertThat(g.get("version").get("qemu").get("major").asInt()).isEqualTo(7);
            assertThat(g.get("version").get("qemu").get("minor").asInt()).isEqualTo(2);
            assertThat(g.get("version").get("package").asText()).isEqualTo("blocklayer 2.0.0.test");
            assertThat(g.get("capabilities").isArray()).isTrue();
            assertThat(g.get("capabilities")).isEmpty();
        }
    }

    @Test
    void commandsBeforeNegotiationAreRefusedAsQemuRefusesThem() throws Exception {
        try (QmpTestClient c = qmp.connect()) {
            c.greeting();
            assertError(c.execute("query-version", null), "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
            assertError(c.execute("no-such-command", null), "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
            assertError(c.execute("qmp_capabilities", "{\"enable\": [\"oob\"]}"), "GenericError",
                    "Capability oob not available");
            assertThat(c.command("qmp_capabilities")).isEmpty();
            assertError(c.execute("qmp_capabilities", null), "CommandNotFound",
                    "Capabilities negotiation is already complete, command ignored");
            assertThat(c.command("query-version").get("qemu").get("major").asInt()).isEqualTo(7);
        }
    }

    @Test
    void theIdComesBackAsItWasSentWhateverItsType() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": \"query-version\", \"id\": \"abc\"}\n");
            assertThat(c.reply().get("id").asText()).isEqualTo("abc");
            c.sendRaw("{\"id\": {\"n\": [1, 2]}, \"execute\": \"nope\"}\n");
            JsonNode r = c.reply();
            assertThat(r.get("id").toString()).isEqualTo("{\"n\":[1,2]}");
            assertThat(r.get("error").get("class").asText()).isEqualTo("CommandNotFound");
            c.sendRaw("{\"execute\": \"query-version\", \"id\": 42}");
            assertThat(c.reply().get("id").asInt()).isEqualTo(42);
        }
    }

    @Test
    void malformedRequestsGetQemusErrorsAndTheConnectionStays() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": }\n");
            JsonNode bad = c.reply();
            assertThat(bad.get("error").get("class").asText()).isEqualTo("GenericError");
            assertThat(bad.get("error").get("desc").asText()).startsWith("JSON parse error, ");
            assertThat(bad.has("id")).isFalse();
            c.sendRaw("[1, 2]\n");
            assertError(c.reply(), "GenericError", "QMP input must be a JSON object");
            c.sendRaw("{\"arguments\": {}}\n");
            assertError(c.reply(), "GenericError", "QMP input lacks member 'execute'");
            c.sendRaw("{\"execute\": 1}\n");
            assertError(c.reply(), "GenericError", "QMP input member 'execute' must be a string");
            c.sendRaw("{\"execute\": \"query-version\", \"arguments\": []}\n");
            assertError(c.reply(), "GenericError", "QMP input member 'arguments' must be an object");
            c.sendRaw("{\"execute\": \"query-version\", \"extra\": 1}\n");
            assertError(c.reply(), "GenericError", "QMP input member 'extra' is unexpected");
            assertError(c.execute("no-such-command", null), "CommandNotFound",
                    "The command no-such-command has not been found");
            assertError(c.execute("blockdev-del", "{}"), "GenericError", "Parameter 'node-name' is missing");
            assertError(c.execute("blockdev-del", "{\"node-name\": 5}"), "GenericError",
                    "Invalid parameter type for 'node-name', expected: string");
            assertError(c.execute("block_resize", "{\"node-name\": \"a\", \"size\": 1, \"x\": 1}"), "GenericError",
                    "Parameter 'x' is unexpected");
            assertError(c.execute("block_resize", "{\"node-name\": \"a\", \"size\": \"1\"}"), "GenericError",
                    "Invalid parameter type for 'size', expected: integer");
            assertError(c.execute("nbd-server-start", "{\"addr\": {\"type\": \"unix\", \"data\": {}}}"),
                    "GenericError", "Parameter 'addr.data.path' is missing");
            assertThat(c.command("query-version").has("qemu")).isTrue();
        }
    }

    @Test
    void documentsMayArriveSplitJoinedOrPrettyPrinted() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            c.sendRaw("{\"execute\": \"query-");
            c.sendRaw("version\", \"id\": 1}{\"execute\": \"query-version\", \"id\": 2}");
            assertThat(c.reply().get("id").asInt()).isEqualTo(1);
            assertThat(c.reply().get("id").asInt()).isEqualTo(2);
            c.sendRaw("{\n  \"execute\": \"query-version\",\n  \"id\": 3\n}\n");
            assertThat(c.reply().get("id").asInt()).isEqualTo(3);
        }
    }

    @Test
    void severalClientsAtOnceEachGetTheirOwnReplies() throws Exception {
        try (QmpTestClient a = qmp.negotiated(); QmpTestClient b = qmp.negotiated(); QmpTestClient n = qmp.connect()) {
            n.greeting();
            a.sendRaw("{\"execute\": \"query-version\", \"id\": \"a\"}");
            b.sendRaw("{\"execute\": \"query-version\", \"id\": \"b\"}");
            assertThat(a.reply().get("id").asText()).isEqualTo("a");
            assertThat(b.reply().get("id").asText()).isEqualTo("b");
            assertError(n.execute("query-version", null), "CommandNotFound",
                    "Expecting capabilities negotiation with 'qmp_capabilities'");
        }
    }

    @Test
    void queryCommandsListsEveryCommandAndQuitAnswersBeforeItStops() throws Exception {
        try (QmpTestClient c = qmp.negotiated()) {
            JsonNode list = c.command("query-commands");
            assertThat(list.findValuesAsText("name")).contains("qmp_capabilities", "query-version", "quit",
                    "blockdev-add", "blockdev-del", "query-named-block-nodes", "block_resize", "object-add",
                    "object-del", "x-blockdev-set-iothread", "nbd-server-start", "nbd-server-stop",
                    "block-export-add", "block-export-del", "query-block-exports", "x-debug-query-block-graph");
            assertThat(c.command("quit")).isEmpty();
            assertThat(qmp.quit.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
    }

    static void assertError(JsonNode reply, String errorClass, String desc) {
        assertThat(reply.has("error")).as("an error: %s", reply).isTrue();
        assertThat(reply.get("error").get("class").asText()).isEqualTo(errorClass);
        assertThat(reply.get("error").get("desc").asText()).isEqualTo(desc);
    }
}
