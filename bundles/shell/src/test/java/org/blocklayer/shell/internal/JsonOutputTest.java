package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.testing.Needs;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * X8: the query commands' {@code --json} on a real graph, with qemu-img's own JSON for the same image as the
 * reference where the two mean the same thing.
 */
class JsonOutputTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final Scheduler scheduler = new Scheduler();
    private final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler));
    private final BlockCommands commands = new BlockCommands(graph, new ShellBackends(graph));
    @TempDir
    Path dir;

    JsonOutputTest() {
        graph.addDriver(new FileDriver(), "file", "test");
        graph.addDriver(new RawDriver(), "raw", "test");
    }

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    private static JsonNode json(Object result) throws Exception {
        assertThat(result).isInstanceOf(JsonOutput.Result.class);
        String text = new ResultFormatter().format(result, org.apache.felix.service.command.Converter.INSPECT, null)
                .toString();
        return MAPPER.readTree(text);
    }

    private Path image(long size) throws Exception {
        Path p = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    void infoHasQemuImgInfosFieldsWithTheSameValues_X8() throws Exception {
        Path img = image(3 << 20);
        commands.open(img.toString(), "-n", "disk");
        JsonNode ours = json(commands.info("--json", "disk"));

        Needs.tool("qemu-img", "qemu-utils");
        Process p = new ProcessBuilder("qemu-img", "info", "-U", "--output=json", "-f", "raw", img.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        JsonNode qemu = MAPPER.readTree(out);

        for (String field : new String[] {"virtual-size", "filename", "format"}) {
            assertThat(ours.get(field)).as(field).isEqualTo(qemu.get(field));
        }
        assertThat(ours.get("node-name").asText()).isEqualTo("disk");
        assertThat(ours.get("drv").asText()).isEqualTo("raw");
        assertThat(ours.get("ro").isBoolean()).isTrue();
        assertThat(ours.get("aio-context").asText()).isEqualTo("main");
        assertThat(ours.get("users").get(0).get("takes")).extracting(JsonNode::asText)
                .contains("consistent read", "write");
    }

    @Test
    void nodesDriversAndIothreadsHaveTheirJsonForms_X8() throws Exception {
        commands.open(image(65536).toString(), "-n", "disk");
        commands.iothread("add", "io0");

        JsonNode nodes = json(commands.nodes("--json"));
        assertThat(nodes.isArray()).isTrue();
        assertThat(nodes.findValuesAsText("node-name")).contains("disk");
        JsonNode disk = nodes.findParents("node-name").stream().filter(n -> n.get("node-name").asText()
                .equals("disk")).findFirst().orElseThrow();
        assertThat(disk.get("virtual-size").asLong()).isEqualTo(65536);
        assertThat(disk.get("drv").asText()).isEqualTo("raw");

        assertThat(json(commands.drivers("-o", "json")).findValuesAsText("name")).contains("file", "raw");
        assertThat(json(commands.iothread("list", "--json")).findValuesAsText("id")).containsExactly("io0");
    }

    @Test
    void formatSpecificValuesKeepTheirJsonTypes() {
        assertThat(JsonOutput.typed("true").isBoolean()).isTrue();
        assertThat(JsonOutput.typed("16").isNumber()).isTrue();
        assertThat(JsonOutput.typed("1.1").isTextual()).isTrue();
        assertThat(JsonOutput.typed("io_uring").asText()).isEqualTo("io_uring");
    }

    @Test
    void jsonIsAskedForWithDashDashJsonOrOutputJsonAndTheRestStays() {
        assertThat(JsonOutput.Args.of("--json", "disk").json()).isTrue();
        assertThat(JsonOutput.Args.of("disk", "-o", "json").rest()).containsExactly("disk");
        assertThat(JsonOutput.Args.of("--output=json").json()).isTrue();
        JsonOutput.Args other = JsonOutput.Args.of("-o", "yaml", "disk");
        assertThat(other.json()).isFalse();
        assertThat(other.rest()).containsExactly("-o", "yaml", "disk");
    }

    @Test
    void gogosNullArgumentIsTheWordNullNotAnException() {
        // HostileInputIT typed "nodes 9223372036854775807 null": Gogo passes the bare word null as a null argument.
        assertThat(JsonOutput.Args.of("disk", null, "-o", null).rest()).containsExactly("disk", "null", "-o", "null");
        assertThat(JsonOutput.Args.of((String[]) null).rest()).isEmpty();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> commands.nodes((String) null))
                .isInstanceOf(CommandException.class).hasMessageContaining("null");
    }

    @Test
    void anUnknownOutputIsAUsageErrorNotText() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> commands.nodes("-o", "yaml"))
                .isInstanceOf(CommandException.class);
    }

    @Test
    void withoutJsonTheTextResultsStay() throws Exception {
        commands.open(image(512).toString(), "-n", "disk");
        assertThat(commands.info("disk")).isInstanceOf(NodeDetails.class);
        assertThat(commands.nodes()).isInstanceOf(NodeList.class);
    }
}
