package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.Test;

class BlockCommandsTest {
    private final FakeBlockGraph graph = new FakeBlockGraph();
    private final BlockCommands commands = new BlockCommands(graph);

    @Test
    void openFilenamePassesItAsFilenameReadWrite() throws Exception {
        OpenResult result = commands.open("", false, "/tmp/a.img");

        assertThat(result).isEqualTo(new OpenResult("#block0"));
        assertThat(graph.opens).containsExactly(new FakeBlockGraph.OpenCall("/tmp/a.img", new BlockOptions(), OpenFlags.RDWR));
    }

    @Test
    void openOptionsParsesThemAndPassesNoFilename() throws Exception {
        commands.open("", false, "driver=raw,file.driver=file,file.filename=/tmp/a.img");

        assertThat(graph.opens).singleElement().satisfies(call -> {
            assertThat(call.filename()).isNull();
            assertThat(call.options().asMap()).containsExactly(Map.entry("driver", "raw"),
                    Map.entry("file.driver", "file"), Map.entry("file.filename", "/tmp/a.img"));
        });
    }

    @Test
    void nodeNameFlagSetsOptionNodeNameAndIsPrinted() throws Exception {
        OpenResult result = commands.open("disk0", false, "nbd://localhost:10809/export");

        assertThat(result.nodeName()).isEqualTo("disk0");
        assertThat(graph.opens).singleElement().satisfies(call -> {
            assertThat(call.filename()).isEqualTo("nbd://localhost:10809/export");
            assertThat(call.options().asMap()).containsExactly(Map.entry("node-name", "disk0"));
        });
    }

    @Test
    void nodeNameFlagIsAddedToOptions() throws Exception {
        commands.open("disk0", false, "driver=file,filename=/tmp/a.img");

        assertThat(graph.opens.getFirst().options().toString())
                .isEqualTo("driver=file,filename=/tmp/a.img,node-name=disk0");
    }

    @Test
    void readOnlyFlagOpensWithoutRdwr() throws Exception {
        commands.open("", true, "/tmp/a.img");

        assertThat(graph.opens.getFirst().flags()).isZero();
    }

    @Test
    void nodeNameGivenTwiceIsEinval() {
        assertThatThrownBy(() -> commands.open("a", false, "driver=raw,node-name=b,file.filename=/x"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Node name given twice: -n 'a' and node-name='b' (EINVAL)");
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void malformedOptionsAreEinvalFromBlockOptions() {
        assertThatThrownBy(() -> commands.open("", false, "driver=raw,bogus"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Invalid option 'bogus': expected key=value (a comma in a value is written ',,')"
                        + " (EINVAL)");
    }

    @Test
    void openWithoutArgumentIsUsageError() {
        assertThatThrownBy(() -> commands.open("", false))
                .isInstanceOf(CommandException.class)
                .hasToString("error: block:open: missing FILENAME|OPTIONS;"
                        + " usage: block:open [-n NODE] [-r] FILENAME|OPTIONS (EINVAL)")
                .extracting(e -> ((BlockException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void openWithTwoArgumentsIsUsageError() {
        assertThatThrownBy(() -> commands.open("", false, "/tmp/a", "/tmp/b"))
                .hasToString("error: block:open: unexpected argument '/tmp/b';"
                        + " usage: block:open [-n NODE] [-r] FILENAME|OPTIONS (EINVAL)");
    }

    @Test
    void unknownFlagIsUsageError() {
        assertThatThrownBy(() -> commands.open("", false, "--bogus", "/tmp/a"))
                .hasToString("error: block:open: unknown option '--bogus';"
                        + " usage: block:open [-n NODE] [-r] FILENAME|OPTIONS (EINVAL)");
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void nodeNameFlagSwallowingAnotherFlagIsUsageError() {
        // open -n -r /tmp/a: Gogo hands "-r" over as the value of -n
        assertThatThrownBy(() -> commands.open("-r", false, "/tmp/a"))
                .hasToString("error: block:open: option -n needs a NODE, got option '-r';"
                        + " usage: block:open [-n NODE] [-r] FILENAME|OPTIONS (EINVAL)");
    }

    @Test
    void openFailureKeepsMessageAndErrno() {
        graph.failure = new BlockException(Errno.ENOENT,
                "Could not open '/nope': No such file or directory (node '#block0', driver 'file')");

        assertThatThrownBy(() -> commands.open("", false, "/nope"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Could not open '/nope': No such file or directory (node '#block0', driver 'file')"
                        + " (ENOENT)")
                .hasCause(graph.failure);
    }

    @Test
    void lengthReturnsTheLengthOfTheNamedNode() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 1_048_576));

        assertThat(commands.length("a")).isEqualTo(new LengthResult("a", 1_048_576));
    }

    @Test
    void lengthOfUnknownNodeIsOneErrorLine() {
        assertThatThrownBy(() -> commands.length("nope"))
                .isInstanceOf(BlockException.class)
                .hasToString("error: Cannot find node 'nope' (ENOENT)")
                .satisfies(e -> assertThat(((BlockException) e).describe())
                        .isEqualTo("Cannot find node 'nope' (ENOENT)"));
    }

    @Test
    void lengthWithoutNodeIsUsageError() {
        assertThatThrownBy(() -> commands.length())
                .hasToString("error: block:length: missing NODE; usage: block:length NODE (EINVAL)");
    }

    @Test
    void mediumGoneIsReportedWithItsErrno() {
        graph.add(FakeBlockGraph.node("a", null, "nbd://h/e", -1));
        graph.failure = new BlockException(Errno.ENOMEDIUM, "Node 'a' has no medium: driver 'nbd' is gone");

        assertThatThrownBy(() -> commands.length("a"))
                .hasToString("error: Node 'a' has no medium: driver 'nbd' is gone (ENOMEDIUM)");
    }

    @Test
    void infoReturnsTheSnapshot() throws Exception {
        var node = FakeBlockGraph.node("a", "raw", "/tmp/a.img", 4096);
        graph.add(node);

        assertThat(commands.info("a")).isEqualTo(node);
    }

    @Test
    void infoWithExtraArgumentIsUsageError() {
        assertThatThrownBy(() -> commands.info("a", "b"))
                .hasToString("error: block:info: unexpected argument 'b'; usage: block:info NODE (EINVAL)");
    }

    @Test
    void closeClosesTheNamedNode() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 4096));

        commands.close("a");

        assertThat(graph.closed).containsExactly("a");
    }

    @Test
    void closeBusyNodeIsOneErrorLine() {
        graph.failure = new BlockException(Errno.EBUSY, "Node 'a' is in use by node 'b'");

        assertThatThrownBy(() -> commands.close("a")).hasToString("error: Node 'a' is in use by node 'b' (EBUSY)");
    }

    @Test
    void nodesAndDriversReturnWhatTheGraphHas() {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 4096));
        graph.drivers.add(new DriverInfo("file", "protocol", "org.blocklayer.driver.file", "0.1.0"));

        assertThat(commands.nodes().nodes()).extracting(n -> n.node()).containsExactly("a");
        assertThat(commands.drivers().drivers()).extracting(DriverInfo::name).containsExactly("file");
    }
}
