package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.export.ExportInfo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Declared exports: made when they can be, waiting while they cannot, redone on change, gone on deletion. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ExportDeclarationsTest {
    private static final String PID = "org.blocklayer.export~e0";
    @TempDir
    Path dir;
    private ServerFixture f;
    private ExportDeclarations declarations;

    @BeforeEach
    void setUp() throws Exception {
        f = new ServerFixture(dir);
        declarations = new ExportDeclarations(f.server);
        f.server.onStart(declarations::serverStarted);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    void aDeclarationWaitsForItsNodeThenExportsIt() throws Exception {
        declarations.updated(PID, Map.of("node", "disk0", "description", "declared"));
        assertThat(f.server.exports()).isEmpty();
        assertThat(declarations.waiting().get(PID)).contains("(ENOENT)");

        f.open(f.image("a.img", 1 << 20), "disk0", false);
        declarations.retry();

        assertThat(f.server.exports()).singleElement().satisfies(e -> {
            assertThat(e.name()).isEqualTo("e0");
            assertThat(e.node()).isEqualTo("disk0");
            assertThat(e.description()).isEqualTo("declared");
            assertThat(e.writable()).isFalse();
        });
        assertThat(declarations.waiting()).isEmpty();
    }

    @Test
    void aChangedDeclarationIsRedoneAndADeletedOneGoes() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", true);
        declarations.updated(PID, Map.of("node", "disk0"));
        declarations.updated(PID, Map.of("node", "disk0", "name", "other", "writable", "on", "multi-conn", "on"));

        assertThat(f.server.exports()).extracting(ExportInfo::name, ExportInfo::writable, ExportInfo::multiConn)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("other", true, true));
        declarations.deleted(PID);
        assertThat(f.server.exports()).isEmpty();
        f.graph.close("disk0");
    }

    /**
     * A node event's retry exports the declaration between the server's start and the start callback (the
     * interleaving NbdExportIT met): the callback must not forget that export, or deleting the configuration would
     * leave it behind. Breaks if: serverStarted() clears every "exported" mark.
     */
    @Test
    void anExportMadeJustBeforeTheStartCallbackStillGoesWithItsDeclaration() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.server.stopNbdServer();
        ExportDeclarations raced = new ExportDeclarations(f.server);
        raced.updated(PID, Map.of("node", "disk0"));
        // The event thread's retry first, then the start callback: the order the race produced.
        try (AutoCloseable ignored = f.server.onStart(() -> {
            raced.retry();
            raced.serverStarted();
        })) {
            f.server.startNbdServer("unix:" + f.socket, 0);
        }
        assertThat(f.server.exports()).extracting(ExportInfo::name).containsExactly("e0");
        assertThat(raced.waiting()).isEmpty();

        raced.deleted(PID);

        assertThat(f.server.exports()).isEmpty();
    }

    @Test
    void withoutAServerItWaitsAndExportsOnceOneStarts() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        f.server.stopNbdServer();
        declarations.updated(PID, Map.of("node", "disk0"));
        assertThat(declarations.waiting().get(PID)).isEqualTo("NBD server not running (EINVAL)");

        f.server.startNbdServer("unix:" + f.socket, 0);

        assertThat(f.server.exports()).extracting(ExportInfo::name).containsExactly("e0");
    }

    @Test
    void anExportDeletedByHandStaysDeletedUntilItsConfigurationChanges() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", false);
        declarations.updated(PID, Map.of("node", "disk0"));
        f.server.delete("e0", false);

        declarations.retry();
        assertThat(f.server.exports()).isEmpty();
        assertThat(declarations.waiting().get(PID)).startsWith("deleted by hand");

        declarations.updated(PID, Map.of("node", "disk0", "description", "back"));
        assertThat(f.server.exports()).extracting(ExportInfo::description).containsExactly("back");
    }

    @Test
    void aConfigurationThatCannotBeUsedSaysWhy() {
        declarations.updated(PID, Map.of("description", "no node"));
        declarations.updated("org.blocklayer.export~x", Map.of("node", "n", "writable", "maybe"));

        assertThat(declarations.waiting()).containsEntry(PID, PID + ": no 'node' to export")
                .containsEntry("org.blocklayer.export~x", "org.blocklayer.export~x: 'writable' must be on or off,"
                        + " not 'maybe'");
        assertThat(f.server.exports()).isEmpty();
    }
}
