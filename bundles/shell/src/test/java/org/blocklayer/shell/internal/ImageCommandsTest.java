package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.CreateOption;
import org.junit.jupiter.api.Test;

/** {@code block:create}: what it hands the graph, what it prints, and its usage errors (EINVAL). */
class ImageCommandsTest {
    private final FakeBlockGraph graph = new FakeBlockGraph();
    private final ImageCommands commands = new ImageCommands(graph);
    private final ResultFormatter formatter = new ResultFormatter();

    private String printed(Object result) {
        return formatter.format(result, org.apache.felix.service.command.Converter.INSPECT, null).toString();
    }

    @Test
    void createHandsFormatFilenameSizeAndOptionsOverAndPrintsQemuImgsLine() throws Exception {
        Object result = commands.create("raw", "/tmp/a.img", "1M", "-o", "preallocation=full");

        assertThat(graph.creates).singleElement().satisfies(c -> {
            assertThat(c.format()).isEqualTo("raw");
            assertThat(c.filename()).isEqualTo("/tmp/a.img");
            assertThat(c.size()).isEqualTo(1 << 20);
            assertThat(c.options().asMap()).containsExactly(Map.entry("preallocation", "full"));
        });
        assertThat(printed(result)).isEqualTo("Formatting '/tmp/a.img', fmt=raw size=1048576 preallocation=full");
    }

    @Test
    void theSizeIsReadAsQemuStrtoszReadsIt() throws Exception {
        commands.create("raw", "/tmp/a.img", "1.5K");
        commands.create("-o", "preallocation=off", "raw", "/tmp/b.img", "0x10");
        commands.create("raw", "/tmp/c.img", "2g");

        assertThat(graph.creates).extracting(FakeBlockGraph.CreateCall::size).containsExactly(1536L, 16L, 2L << 30);
    }

    @Test
    void aCommaInAnOptionValueIsDoubledInTheLineAsQemuPrintsIt() {
        CreateResult created = new CreateResult("/tmp/a,b.img", "raw",
                new org.blocklayer.api.graph.BlockOptions().put("size", "512").put("opt", "x,y"));

        assertThat(printed(created)).isEqualTo("Formatting '/tmp/a,b.img', fmt=raw size=512 opt=x,,y");
    }

    @Test
    void usageErrorsAreEinvalNamingTheCommandAndNothingIsCreated() {
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img")).isInstanceOfSatisfying(CommandException.class,
                e -> assertThat(e.describe()).isEqualTo("block:create: missing SIZE; usage: block:create"
                        + " [-o OPTIONS] FORMAT FILENAME SIZE (EINVAL)"));
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img", "1x"))
                .isInstanceOfSatisfying(CommandException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).startsWith("block:create: Parameter 'SIZE' expects a size, got '1x'");
                });
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img", "8E"))
                .isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img", "1M", "-o", "preallocation"))
                .isInstanceOfSatisfying(CommandException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).contains("Invalid option 'preallocation': expected key=value");
                });
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img", "1M", "-o"))
                .isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.getMessage())
                        .startsWith("block:create: option -o needs an OPTIONS"));
        assertThatThrownBy(() -> commands.create("raw", "/tmp/a.img", "1M", "extra"))
                .isInstanceOfSatisfying(CommandException.class, e -> assertThat(e.getMessage())
                        .startsWith("block:create: unexpected argument 'extra'"));
        assertThat(graph.creates).isEmpty();
    }

    @Test
    void aFailureOfTheGraphIsReportedWithItsErrnoAndMessage() {
        graph.failure = new BlockException(Errno.ENOENT,
                "driver 'file': Could not create '/nonexist/a.img': No such file or directory");

        assertThatThrownBy(() -> commands.create("raw", "/nonexist/a.img", "1M"))
                .isInstanceOf(CommandException.class)
                .hasToString("error: driver 'file': Could not create '/nonexist/a.img': No such file or directory"
                        + " (ENOENT)");
    }

    @Test
    void dashOHelpListsTheOptionsSortedAsQemuImgDoes() throws Exception {
        graph.createOptions.add(new CreateOption("size", CreateOption.Type.SIZE, "Virtual disk size"));
        graph.createOptions.add(new CreateOption("preallocation", CreateOption.Type.STRING,
                "Preallocation mode (allowed values: off, falloc, full)"));
        graph.createOptions.add(new CreateOption("nocow", CreateOption.Type.BOOL, "Turn off copy-on-write"));

        assertThat(printed(commands.create("raw", "/tmp/a.img", "1M", "-o", "help"))).isEqualTo("""
                Supported options:
                  nocow=<bool (on/off)>  - Turn off copy-on-write
                  preallocation=<str>    - Preallocation mode (allowed values: off, falloc, full)
                  size=<size>            - Virtual disk size""");
        assertThat(printed(commands.create("-o", "?", "raw"))).startsWith("Supported raw options:\n")
                .endsWith("\n\nThe protocol level may support further options.\n"
                        + "Specify the target filename to include those options.");
        assertThat(graph.creates).isEmpty();
    }

    @Test
    void helpDescribesTheCommand() throws Exception {
        assertThat((String) commands.create("--help")).startsWith("block:create - create an image file (qemu-img"
                + " create)").contains("usage: block:create [-o OPTIONS] FORMAT FILENAME SIZE")
                .contains("-o, --options OPTIONS").contains("preallocation=off|falloc|full");
    }
}
