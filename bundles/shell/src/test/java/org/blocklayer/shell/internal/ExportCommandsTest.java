package org.blocklayer.shell.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.export.BlockExports;
import org.blocklayer.api.export.ExportInfo;
import org.blocklayer.api.export.ExportOptions;
import org.blocklayer.api.export.NbdServerInfo;
import org.junit.jupiter.api.Test;

/** block:nbd-server, block:export and block:exports: their words, and what they ask the export service. */
class ExportCommandsTest {
    private final FakeExports service = new FakeExports();
    private final ExportCommands commands = new ExportCommands(service, new ShellBackends(new FakeBackends()));
    private final NbdServerCommand server = new NbdServerCommand(service);

    @Test
    void addPassesEveryOptionAndPrintsTheExportName() throws Exception {
        assertThat(commands.export("add", "disk0", "--name", "e", "--writable", "--description", "the disk",
                "--multi-conn", "on")).isEqualTo("e");
        assertThat(commands.export("add", "disk1")).isEqualTo("disk1");

        assertThat(service.added).containsExactly(
                new ExportOptions("disk0", "e", true, "the disk", ExportOptions.MultiConn.ON),
                new ExportOptions("disk1", null, false, null, ExportOptions.MultiConn.AUTO));
    }

    @Test
    void delPassesForce() throws Exception {
        commands.export("del", "e");
        commands.export("del", "--force", "f");
        assertThat(service.deleted).containsExactly("e", "f!");
    }

    @Test
    void wordsThatDoNotFitAreUsageErrors() {
        assertThatThrownBy(() -> commands.export()).hasMessage("block:export: missing add or del; usage: "
                + "block:export " + Catalogue.EXPORT.synopsis());
        assertThatThrownBy(() -> commands.export("add")).hasMessageStartingWith("block:export: missing NODE;");
        assertThatThrownBy(() -> commands.export("del", "e", "--writable"))
                .hasMessageStartingWith("block:export: option --writable does not go with del;");
        assertThatThrownBy(() -> commands.export("add", "n", "--force"))
                .hasMessageStartingWith("block:export: option --force does not go with add;");
        assertThatThrownBy(() -> commands.export("add", "n", "--multi-conn", "maybe"))
                .hasMessageStartingWith("block:export: --multi-conn takes on, off or auto, not 'maybe';");
        assertThatThrownBy(() -> commands.export("list")).isInstanceOfSatisfying(CommandException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(service.added).isEmpty();
    }

    @Test
    void withoutTheServerBundleTheCommandsSaySo() {
        ExportCommands none = new ExportCommands(null, new ShellBackends(new FakeBackends()));
        assertThatThrownBy(() -> none.exports()).isInstanceOfSatisfying(CommandException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOTSUP);
            assertThat(e.getMessage()).contains("org.blocklayer.nbd.server");
        });
        assertThatThrownBy(() -> new NbdServerCommand(null).run(new String[] {"stop"}))
                .hasMessageContaining("no NBD server");
    }

    @Test
    void serviceErrorsKeepTheirErrno() {
        service.failure = new BlockException(Errno.EEXIST, "NBD server already has export named 'e'");
        assertThatThrownBy(() -> commands.export("add", "n", "--name", "e")).isInstanceOfSatisfying(
                CommandException.class, e -> assertThat(e.toString())
                        .isEqualTo("error: NBD server already has export named 'e' (EEXIST)"));
    }

    @Test
    void nbdServerStartsWithQemusDefaultsAndStops() throws Exception {
        assertThat(server.run(new String[] {"start"})).isEqualTo("inet:127.0.0.1:10809");
        assertThat(server.run(new String[] {"start", "unix:/tmp/s", "--max-connections", "1"})).isEqualTo(
                "unix:/tmp/s");
        server.run(new String[] {"stop"});
        assertThat(service.started).containsExactly("inet:127.0.0.1:10809 100", "unix:/tmp/s 1", "stop");
        assertThatThrownBy(() -> server.run(new String[] {"start", "--max-connections", "-1"}))
                .hasMessageStartingWith("block:nbd-server: --max-connections takes a number of clients");
        assertThatThrownBy(() -> server.run(new String[] {"stop", "--max-connections", "2"}))
                .hasMessageStartingWith("block:nbd-server: option --max-connections does not go with stop");
        assertThatThrownBy(() -> server.run(new String[] {"restart"}))
                .hasMessageStartingWith("block:nbd-server: unknown subcommand 'restart'");
    }

    @Test
    void exportsPrintsOneRowPerExport() throws Exception {
        service.list.add(new ExportInfo("e", "disk0", true, null, false, 1024, 2, 4096, 512));
        String text = new ResultFormatter().format(commands.exports(), org.apache.felix.service.command.Converter
                .INSPECT, null).toString();
        assertThat(text.lines()).containsExactly("NAME  NODE   MODE  CLIENTS  READ  WRITTEN",
                "e     disk0  rw    2        4096  512");
        service.list.clear();
        assertThat(new ResultFormatter().format(commands.exports(), org.apache.felix.service.command.Converter
                .INSPECT, null)).isEqualTo("no exports");
    }

    /** Records what the commands ask. */
    static final class FakeExports implements BlockExports {
        final List<ExportOptions> added = new ArrayList<>();
        final List<String> deleted = new ArrayList<>();
        final List<String> started = new ArrayList<>();
        final List<ExportInfo> list = new ArrayList<>();
        BlockException failure;

        @Override
        public NbdServerInfo startNbdServer(String address, int maxConnections) {
            started.add(address + " " + maxConnections);
            return new NbdServerInfo(address, maxConnections, 0);
        }

        @Override
        public void stopNbdServer() {
            started.add("stop");
        }

        @Override
        public NbdServerInfo nbdServer() {
            return null;
        }

        @Override
        public ExportInfo add(ExportOptions options) throws BlockException {
            if (failure != null) {
                throw failure;
            }
            added.add(options);
            String name = options.name() == null ? options.node() : options.name();
            return new ExportInfo(name, options.node(), options.writable(), options.description(), false, 0, 0, 0, 0);
        }

        @Override
        public void delete(String name, boolean force) {
            deleted.add(force ? name + "!" : name);
        }

        @Override
        public List<ExportInfo> exports() {
            return List.copyOf(list);
        }
    }
}
