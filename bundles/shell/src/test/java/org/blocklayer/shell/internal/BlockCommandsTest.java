package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.Test;

class BlockCommandsTest {
    private final FakeBlockGraph graph = new FakeBlockGraph();
    private final FakeBackends backends = new FakeBackends();
    private final BlockCommands commands = new BlockCommands(graph, new ShellBackends(backends));

    @Test
    void openFilenamePassesItAsFilenameReadWrite() throws Exception {
        OpenResult result = (OpenResult) commands.open("/tmp/a.img");

        assertThat(result).isEqualTo(new OpenResult("#block0"));
        assertThat(graph.opens).containsExactly(new FakeBlockGraph.OpenCall("/tmp/a.img", new BlockOptions(), OpenFlags.RDWR));
    }

    @Test
    void openOptionsParsesThemAndPassesNoFilename() throws Exception {
        commands.open("driver=raw,file.driver=file,file.filename=/tmp/a.img");

        assertThat(graph.opens).singleElement().satisfies(call -> {
            assertThat(call.filename()).isNull();
            assertThat(call.options().asMap()).containsExactly(Map.entry("driver", "raw"),
                    Map.entry("file.driver", "file"), Map.entry("file.filename", "/tmp/a.img"));
        });
    }

    @Test
    void nodeNameFlagSetsOptionNodeNameAndIsPrinted() throws Exception {
        OpenResult result = (OpenResult) commands.open("-n", "disk0", "nbd://localhost:10809/export");

        assertThat(result.nodeName()).isEqualTo("disk0");
        assertThat(graph.opens).singleElement().satisfies(call -> {
            assertThat(call.filename()).isEqualTo("nbd://localhost:10809/export");
            assertThat(call.options().asMap()).containsExactly(Map.entry("node-name", "disk0"));
        });
    }

    @Test
    void nodeNameFlagIsAddedToOptions() throws Exception {
        commands.open("-n", "disk0", "driver=file,filename=/tmp/a.img");

        assertThat(graph.opens.getFirst().options().toString())
                .isEqualTo("driver=file,filename=/tmp/a.img,node-name=disk0");
    }

    @Test
    void readOnlyFlagOpensWithoutRdwr() throws Exception {
        commands.open("-r", "/tmp/a.img");

        assertThat(graph.opens.getFirst().flags()).isZero();
    }

    @Test
    void nodeNameGivenTwiceIsEinval() {
        assertThatThrownBy(() -> commands.open("-n", "a", "driver=raw,node-name=b,file.filename=/x"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Node name given twice: -n 'a' and node-name='b' (EINVAL)");
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void malformedOptionsAreEinvalFromBlockOptions() {
        assertThatThrownBy(() -> commands.open("driver=raw,bogus"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Invalid option 'bogus': expected key=value (a comma in a value is written ',,')"
                        + " (EINVAL)");
    }

    @Test
    void openWithoutArgumentIsUsageError() {
        assertThatThrownBy(() -> commands.open())
                .isInstanceOf(CommandException.class)
                .hasToString("error: block:open: missing FILENAME|OPTIONS;"
                        + " usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)")
                .extracting(e -> ((BlockException) e).errno()).isEqualTo(Errno.EINVAL);
    }

    @Test
    void openWithTwoArgumentsIsUsageError() {
        assertThatThrownBy(() -> commands.open("/tmp/a", "/tmp/b"))
                .hasToString("error: block:open: unexpected argument '/tmp/b';"
                        + " usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)");
    }

    @Test
    void unknownFlagIsUsageError() {
        assertThatThrownBy(() -> commands.open("--bogus", "/tmp/a"))
                .hasToString("error: block:open: unknown option '--bogus';"
                        + " usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)");
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void nodeNameFlagSwallowingAnotherFlagIsUsageError() {
        // open -n -r /tmp/a: Gogo hands "-r" over as the value of -n
        assertThatThrownBy(() -> commands.open("-n", "-r", "/tmp/a"))
                .hasToString("error: block:open: option -n needs a NODE, got option '-r';"
                        + " usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)");
    }

    @Test
    void openFailureKeepsMessageErrnoNodeAndDriver() {
        graph.failure = new BlockException(Errno.ENOENT, "#block0", "file",
                "Could not open '/nope': No such file or directory");

        assertThatThrownBy(() -> commands.open("/nope"))
                .isInstanceOfSatisfying(CommandException.class, e -> {
                    assertThat(e.node()).isEqualTo("#block0");
                    assertThat(e.driver()).isEqualTo("file");
                    assertThat(e.detail()).isEqualTo("Could not open '/nope': No such file or directory");
                })
                .hasToString("error: node '#block0', driver 'file': Could not open '/nope': No such file or directory"
                        + " (ENOENT)")
                .hasCause(graph.failure);
    }

    @Test
    void anErrnoWithoutANameIsPrintedWithItsNumber() {
        Errno unnamed = Errno.of(-200);
        graph.failure = new BlockException(unnamed, "sg0", "scsi-generic", "Could not open '/dev/sg0': "
                + unnamed.description());

        assertThatThrownBy(() -> commands.open("/dev/sg0"))
                .isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.errno().value()).isEqualTo(200))
                .hasToString("error: node 'sg0', driver 'scsi-generic': Could not open '/dev/sg0': Unknown error 200"
                        + " (errno 200)");
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
                .hasToString("error: block:length: missing NODE (quote generated names: '#block123', Gogo reads # as a"
                        + " comment); usage: block:length NODE (EINVAL)");
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

        assertThat(commands.info("a")).isEqualTo(new NodeDetails(node, List.of()));
    }

    @Test
    void infoWithExtraArgumentIsUsageError() {
        assertThatThrownBy(() -> commands.info("a", "b"))
                .hasToString("error: block:info: unexpected argument 'b'; usage: block:info [--json] NODE (EINVAL)");
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
    void iothreadFlagOpensInThatIothread() throws Exception {
        graph.iothreads.add("io0");

        OpenResult result = (OpenResult) commands.open("-n", "d0", "--iothread", "io0", "/tmp/a.img");

        assertThat(result.nodeName()).isEqualTo("d0");
        assertThat(graph.opens).containsExactly(new FakeBlockGraph.OpenCall("/tmp/a.img",
                new BlockOptions().put("node-name", "d0"), OpenFlags.RDWR, "io0"));
        assertThat(graph.info("d0").aioContext()).isEqualTo("io0");
    }

    @Test
    void withoutIothreadFlagThePlainOpenIsCalled() throws Exception {
        commands.open("/tmp/a.img");

        assertThat(graph.opens.getFirst().iothread()).isNull();
    }

    @Test
    void iothreadFlagSwallowingAnotherFlagIsUsageError() {
        // open --iothread -r /tmp/a: Gogo hands "-r" over as the value of --iothread
        assertThatThrownBy(() -> commands.open("--iothread", "-r", "/tmp/a"))
                .hasToString("error: block:open: option --iothread needs an IOTHREAD, got option '-r';"
                        + " usage: block:open [-n NODE] [-r] [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)");
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void openInAnUnknownIothreadKeepsTheGraphsError() {
        assertThatThrownBy(() -> commands.open("--iothread", "io9", "/tmp/a.img"))
                .hasToString("error: Cannot find IOThread 'io9' (ENOENT)");
    }

    @Test
    void iothreadAddListDel() throws Exception {
        assertThat(commands.iothread("add", "io0")).isNull();
        assertThat(commands.iothread("add", "io1")).isNull();
        assertThat(commands.iothread("list")).isEqualTo(new IothreadList(List.of("io0", "io1")));

        assertThat(commands.iothread("del", "io0")).isNull();

        assertThat(((IothreadList) commands.iothread("list")).ids()).containsExactly("io1");
    }

    @Test
    void iothreadFailuresKeepTheGraphsErrno() {
        graph.iothreads.add("io0");
        graph.add(new NodeInfo("a", "raw", "/tmp/a.img", null, 8, 4096, null, false, false, false, "io0"));

        assertThatThrownBy(() -> commands.iothread("add", "io0"))
                .hasToString("error: Duplicate IOThread with id='io0' (EINVAL)");
        assertThatThrownBy(() -> commands.iothread("del", "io0"))
                .hasToString("error: IOThread 'io0' is in use by node 'a' (EBUSY)");
        assertThatThrownBy(() -> commands.iothread("del", "io7"))
                .hasToString("error: Cannot find IOThread 'io7' (ENOENT)");
    }

    @Test
    void iothreadUsageErrorsNameTheProblem() {
        String usage = "; usage: block:iothread add ID | del ID | list [--json] (EINVAL)";
        assertThatThrownBy(() -> commands.iothread())
                .hasToString("error: block:iothread: missing add, del or list" + usage);
        assertThatThrownBy(() -> commands.iothread("frob"))
                .hasToString("error: block:iothread: unknown subcommand 'frob'" + usage);
        assertThatThrownBy(() -> commands.iothread("add"))
                .hasToString("error: block:iothread: missing ID" + usage);
        assertThatThrownBy(() -> commands.iothread("del", "a", "b"))
                .hasToString("error: block:iothread: unexpected argument 'b'" + usage);
        assertThatThrownBy(() -> commands.iothread("list", "io0"))
                .hasToString("error: block:iothread: unexpected argument 'io0'" + usage);
        assertThatThrownBy(() -> commands.iothread("add", "-f"))
                .hasToString("error: block:iothread: unknown option '-f'" + usage);
        assertThat(graph.iothreads).isEmpty();
    }

    @Test
    void moveSetsTheNodesContext() throws Exception {
        graph.iothreads.add("io0");
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 4096));

        commands.move("a", "io0");
        commands.move("a", "main");

        assertThat(graph.moves).containsExactly(new FakeBlockGraph.Move("a", "io0"),
                new FakeBlockGraph.Move("a", "main"));
    }

    @Test
    void moveUsageAndFailures() {
        graph.failure = new BlockException(Errno.EBUSY, "Cannot move node 'a' to AioContext 'io0': node 'b' is"
                + " pinned to AioContext 'main' (pin-context=on)");

        assertThatThrownBy(() -> commands.move("a"))
                .hasToString("error: block:move: missing IOTHREAD|main; usage: block:move NODE IOTHREAD|main (EINVAL)");
        assertThatThrownBy(() -> commands.move("a", "io0", "x"))
                .hasToString("error: block:move: unexpected argument 'x'; usage: block:move NODE IOTHREAD|main"
                        + " (EINVAL)");
        assertThatThrownBy(() -> commands.move("a", "io0"))
                .hasToString("error: Cannot move node 'a' to AioContext 'io0': node 'b' is pinned to AioContext"
                        + " 'main' (pin-context=on) (EBUSY)");
    }

    @Test
    void nodesAndDriversReturnWhatTheGraphHas() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 4096));
        graph.drivers.add(new DriverInfo("file", "protocol", "org.blocklayer.driver.file", "0.1.0"));

        assertThat(((NodeList) commands.nodes()).nodes()).extracting(n -> n.node()).containsExactly("a");
        assertThat(((DriverList) commands.drivers()).drivers()).extracting(DriverInfo::name).containsExactly("file");
    }

    /** As -blockdev plus -drive: the node gets a backend that takes what a guest device takes. */
    @Test
    void openAttachesABackendAndCloseLetsItGo() throws Exception {
        commands.open("-n", "rw", "/tmp/a.img");
        commands.open("-r", "-n", "ro", "/tmp/b.img");

        assertThat(backends.attached).extracting(b -> b.node() + ": " + ResultFormatter.permissions(b.taken()) + " / "
                + ResultFormatter.permissions(b.shared())).containsExactly(
                "rw: consistent read, write / consistent read, write unchanged, resize",
                "ro: consistent read / consistent read, write, write unchanged, resize");
        assertThat(commands.info("rw")).isInstanceOfSatisfying(NodeDetails.class, d ->
                assertThat(d.users()).singleElement().satisfies(u -> assertThat(u.as()).isEqualTo("root")));

        commands.close("rw");
        assertThat(backends.attached).extracting(b -> b.node()).containsExactly("ro");
    }

    @Test
    void anOpenWhosePermissionsCannotBeHadIsUndone() throws Exception {
        backends.failure = new BlockException(Errno.EAGAIN, "Failed to get \"write\" lock");

        assertThatThrownBy(() -> commands.open("-n", "x", "/tmp/a.img"))
                .hasToString("error: Failed to get \"write\" lock (EAGAIN)");
        assertThat(graph.nodes()).isEmpty();
    }
}
