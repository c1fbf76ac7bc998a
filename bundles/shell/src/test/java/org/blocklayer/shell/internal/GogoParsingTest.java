package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;

import org.apache.felix.gogo.runtime.CommandProcessorImpl;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Converter;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The commands run through a real gogo.runtime (1.1.6) outside OSGi, registered as the OSGi whiteboard registers
 * them (one function per name) with the formatter as a converter: what Gogo's parser and its {@code @Parameter}
 * matching hand to the commands, what a headless runner gets back from {@code execute}, and what it prints.
 */
class GogoParsingTest {
    static final List<String> FUNCTIONS = List.of("drivers", "open", "nodes", "info", "length", "close", "iothread",
            "move");

    private final FakeBlockGraph graph = new FakeBlockGraph();
    private ThreadIOImpl threadIo;
    private CommandProcessorImpl processor;
    private CommandSession session;

    @BeforeEach
    void startGogo() {
        threadIo = new ThreadIOImpl();
        threadIo.start();
        processor = new CommandProcessorImpl(threadIo);
        BlockCommands commands = new BlockCommands(graph, new ShellBackends(new FakeBackends()));
        FUNCTIONS.forEach(f -> processor.addCommand("block", commands, f));
        processor.addCommand("block", new HelpCommand(), "help");
        processor.addConverter(new ResultFormatter());
        session = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    @AfterEach
    void stopGogo() {
        session.close();
        processor.stop();
        threadIo.stop();
    }

    /** What a headless runner prints for a command line: the formatted result, or nothing for null. */
    private String run(String line) throws Exception {
        Object result = session.execute(line);
        return result == null ? null : session.format(result, Converter.INSPECT).toString();
    }

    private FakeBlockGraph.OpenCall lastOpen() {
        return graph.opens.getLast();
    }

    @ParameterizedTest
    @ValueSource(strings = {"block:open -n disk0 /tmp/a.img", "block:open /tmp/a.img -n disk0",
            "block:open --node-name disk0 /tmp/a.img", "block:open /tmp/a.img --node-name disk0", "open /tmp/a.img -n disk0"})
    void nodeNameFlagMayStandBeforeOrAfterTheFilename(String line) throws Exception {
        assertThat(run(line)).isEqualTo("disk0");
        assertThat(lastOpen()).isEqualTo(new FakeBlockGraph.OpenCall("/tmp/a.img",
                new BlockOptions().put("node-name", "disk0"), OpenFlags.RDWR));
    }

    @ParameterizedTest
    @ValueSource(strings = {"block:open -r /tmp/a.img", "block:open /tmp/a.img -r", "block:open /tmp/a.img --read-only",
            "block:open -r /tmp/a.img -n disk0", "block:open -n disk0 /tmp/a.img -r", "block:open /tmp/a.img -r -n disk0"})
    void readOnlyFlagMayStandAnywhere(String line) throws Exception {
        run(line);

        assertThat(lastOpen().flags()).isZero();
        assertThat(lastOpen().filename()).isEqualTo("/tmp/a.img");
    }

    @ParameterizedTest
    @ValueSource(strings = {"block:open --iothread io0 /tmp/a.img -n d0", "block:open /tmp/a.img --iothread io0 -n d0",
            "block:open -n d0 -r /tmp/a.img --iothread io0", "block:open -r --iothread io0 -n d0 /tmp/a.img"})
    void iothreadFlagMayStandBeforeOrAfterTheFilename(String line) throws Exception {
        graph.iothreads.add("io0");

        assertThat(run(line)).isEqualTo("d0");

        assertThat(lastOpen().iothread()).isEqualTo("io0");
        assertThat(lastOpen().filename()).isEqualTo("/tmp/a.img");
        assertThat(lastOpen().options().get("node-name")).isEqualTo("d0");
        assertThat(run("block:info d0")).contains("\naio-context: io0\n");
    }

    @Test
    void iothreadsAreAddedListedMovedIntoAndDeleted() throws Exception {
        assertThat(run("block:iothread add io0")).isNull();
        assertThat(run("block:iothread add io1")).isNull();
        assertThat(run("block:iothread list")).isEqualTo("io0\nio1");
        run("block:open /tmp/a.img -n a");

        assertThat(run("block:move a io1")).isNull();
        assertThat(run("block:info a")).contains("\naio-context: io1\n");
        assertThatThrownBy(() -> run("block:iothread del io1")).isInstanceOf(CommandException.class)
                .hasToString("error: IOThread 'io1' is in use by node 'a' (EBUSY)");
        run("block:move a main");
        assertThat(run("block:iothread del io1")).isNull();
        assertThat(run("block:iothread list")).isEqualTo("io0");
    }

    @Test
    void withoutReadOnlyTheNodeIsOpenedReadWrite() throws Exception {
        assertThat(run("block:open /tmp/a.img")).isEqualTo("#block0");
        assertThat(lastOpen().flags()).isEqualTo(OpenFlags.RDWR);
    }

    @Test
    void optionsReachTheCommandUnchanged() throws Exception {
        assertThat(run("block:open driver=raw,file.driver=file,file.filename=/tmp/a.img -n d0")).isEqualTo("d0");

        assertThat(lastOpen().filename()).isNull();
        assertThat(lastOpen().options().toString())
                .isEqualTo("driver=raw,file.driver=file,file.filename=/tmp/a.img,node-name=d0");
    }

    @Test
    void doubledCommaInOptionsSurvivesGogo() throws Exception {
        run("block:open driver=file,filename=/tmp/a,,b.img");

        assertThat(lastOpen().options().get("filename")).isEqualTo("/tmp/a,b.img");
    }

    @ParameterizedTest
    @ValueSource(strings = {"file:/tmp/a.img", "nbd://localhost:10809/export"})
    void urisReachTheCommandUnchanged(String uri) throws Exception {
        run("block:open " + uri);

        assertThat(lastOpen().filename()).isEqualTo(uri);
    }

    @Test
    void aQuestionMarkMustBeQuotedInGogo() throws Exception {
        // Gogo globs an unquoted word with '?' against the current directory
        assertThatThrownBy(() -> run("block:open nbd+unix:///export?socket=/tmp/nbd.sock"))
                .hasMessageContaining("no matches found");

        run("block:open 'nbd+unix:///export?socket=/tmp/nbd.sock'");

        assertThat(lastOpen().filename()).isEqualTo("nbd+unix:///export?socket=/tmp/nbd.sock");
    }

    @Test
    void bracketsMustBeQuotedInGogo() throws Exception {
        // Gogo reads [..] as a list: an IPv6 address in a URI needs quotes
        assertThatThrownBy(() -> run("block:open nbd://[::1]:10809/export")).isInstanceOf(CommandException.class);

        run("block:open 'nbd://[::1]:10809/export'");

        assertThat(lastOpen().filename()).isEqualTo("nbd://[::1]:10809/export");
    }

    @Test
    void numericNodeNamesStayNames() throws Exception {
        assertThat(run("block:open -n 1234 /tmp/a.img")).isEqualTo("1234");
        assertThat(run("block:length 1234")).isEqualTo("0");
    }

    @Test
    void lengthPrintsABareInteger() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 1_048_576));

        assertThat(run("block:length a")).isEqualTo("1048576");
    }

    @Test
    void infoAndNodesAreFormattedByTheConverter() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 1_048_576));

        assertThat(run("block:info a")).startsWith("node: a\ndriver: raw\nfile: -\nfilename: /tmp/a.img\n");
        assertThat(run("block:nodes")).isEqualTo("a  raw  /tmp/a.img  1048576");
    }

    @Test
    void closePrintsNothing() throws Exception {
        graph.add(FakeBlockGraph.node("a", "raw", "/tmp/a.img", 1_048_576));

        assertThat(run("block:close a")).isNull();
        assertThat(graph.closed).containsExactly("a");
    }

    @Test
    void aFailureComesOutOfExecuteAsOneErrorLine() {
        // gogo.jline prints e.toString(); a headless runner prints "error: " + describe()
        assertThatThrownBy(() -> run("block:length nope"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: Cannot find node 'nope' (ENOENT)")
                .satisfies(e -> assertThat("error: " + describeOf(e)).isEqualTo(e.toString()));
        assertThat(session.get("exception")).isNull(); // only the interactive shell stores it
    }

    @Test
    void aFailureBeforeTheLastStageOfAPipelineIsOnlyPrintedByGogo() throws Exception {
        // Gogo's own behaviour: a stage that is not the last writes "gogo: <class>: <message>" to stderr and the
        // line's result is the last stage's; only a failure of the last stage comes out of execute().
        graph.failure = new BlockException(Errno.EIO, "Could not read node 'a' (driver 'file')");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandSession piped = processor.createSession(new ByteArrayInputStream(new byte[0]),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));

        piped.execute("block:length a | block:drivers");

        assertThat(err.toString()).isEqualTo("gogo: CommandException: Could not read node 'a' (driver 'file')\n");
        piped.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"block:open", "block:open -r", "block:open -n d0", "block:open --bogus /tmp/a.img",
            "block:open /tmp/a.img /tmp/b.img", "block:open -n -r /tmp/a.img", "block:length", "block:info a b",
            "block:close -f a", "block:open --iothread -r /tmp/a.img", "block:iothread", "block:iothread frob",
            "block:iothread add", "block:iothread add a b", "block:iothread del", "block:iothread list x",
            "block:iothread -f add io0", "block:move", "block:move a", "block:move a io0 io1"})
    void usageErrorsAreEinvalLines(String line) {
        assertThatThrownBy(() -> run(line))
                .isInstanceOf(CommandException.class)
                .satisfies(e -> assertThat(((BlockException) e).errno()).isEqualTo(Errno.EINVAL))
                .satisfies(e -> assertThat(e.toString()).startsWith("error: block:").contains("; usage: block:")
                        .endsWith(" (EINVAL)").doesNotContain("\n"));
        assertThat(graph.opens).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"block:open /tmp/a.img -n", "block:open -n", "block:open /tmp/a.img --iothread"})
    void aValueFlagGivenLastWithoutValueIsTheCommandsOwnUsageError(String line) {
        // Before: Gogo failed to match a Java method ("Cannot coerce open(...)"), with no errno.
        assertThatThrownBy(() -> run(line))
                .isInstanceOf(CommandException.class)
                .hasMessageMatching("block:open: option (-n needs a NODE|--iothread needs an IOTHREAD); usage: .*")
                .extracting(e -> ((BlockException) e).errno()).isEqualTo(Errno.EINVAL);
        assertThat(graph.opens).isEmpty();
    }

    @Test
    void anOptionGivenTwiceIsSaidSo() {
        // Before: "unknown option '-n'".
        assertThatThrownBy(() -> run("block:open -n q -n q2 /tmp/a.img"))
                .hasToString("error: block:open: option -n given twice; usage: block:open [-n NODE] [-r]"
                        + " [--iothread IOTHREAD] FILENAME|OPTIONS (EINVAL)");
        assertThatThrownBy(() -> run("block:open -n q --node-name q2 /tmp/a.img"))
                .hasMessageStartingWith("block:open: option --node-name given twice");
    }

    @Test
    void anEmptyNodeNameIsPassedOnForTheGraphToRefuse() throws Exception {
        run("block:open -n '' /tmp/a.img");
        assertThat(lastOpen().options().get("node-name")).isEmpty();
    }

    @Test
    void everyFunctionHasAUsageAndHelp() throws Exception {
        // The functions as the bundle registers them: the osgi.command.function properties bnd wrote for DS.
        List<String> functions = new java.util.ArrayList<>();
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("target/classes/OSGI-INF"))) {
            for (var file : files.toList()) {
                var m = java.util.regex.Pattern.compile("name=\"osgi.command.function\" type=\"String\""
                        + "(?: value=\"([^\"]*)\"/>|>([^<]*)</property>)").matcher(java.nio.file.Files.readString(file));
                while (m.find()) {
                    String names = m.group(1) != null ? m.group(1) : m.group(2);
                    functions.addAll(names.lines().map(String::strip).filter(n -> !n.isEmpty()).toList());
                }
            }
        }

        // "default" is Gogo's fallback for unknown names (UnknownCommand), no command of its own.
        assertThat(functions.remove("default")).isTrue();
        assertThat(Catalogue.ALL).extracting(Usage::command).containsExactlyInAnyOrderElementsOf(functions);
        for (Usage usage : Catalogue.ALL) {
            assertThat(usage.help()).startsWith("block:" + usage.command() + " - ")
                    .contains("usage: block:" + usage.command() + " " + usage.synopsis());
        }
        assertThat(HelpCommand.overview().lines().count()).as("one screen").isLessThanOrEqualTo(24);
    }

    private static String describeOf(Throwable e) throws Exception {
        return (String) e.getClass().getMethod("describe").invoke(e);
    }

    /** Found by HostileInputIT: Gogo's bare null reached help as "argument type mismatch", a class name. */
    @Test
    void helpTakesGogosNullAsAWord() throws Exception {
        assertThatThrownBy(() -> run("block:help null 1P")).isInstanceOf(CommandException.class)
                .hasMessageStartingWith("block:help: unexpected argument '1P'");
        assertThat(run("block:help")).startsWith("block commands (scope block");
        assertThat(run("block:help open")).startsWith("block:open - ");
    }
}
