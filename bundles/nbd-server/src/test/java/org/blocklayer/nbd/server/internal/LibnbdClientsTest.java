package org.blocklayer.nbd.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.export.ExportOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** libnbd's tools (nbdinfo, nbdcopy) against the server. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LibnbdClientsTest {
    @TempDir
    Path dir;
    private ServerFixture f;

    @BeforeEach
    void setUp() throws Exception {
        f = new ServerFixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    @Test
    @DisplayName("B54: nbdinfo --json shows size, read-only, multi-conn for a read-only export, base:allocation")
    void nbdinfoJsonDescribesTheExport_B54() throws Exception {
        f.open(f.image("a.img", 65537), "disk0", false);
        f.server.add(new ExportOptions("disk0", "e", false, "the first disk", ExportOptions.MultiConn.AUTO));

        String json = Tools.run("nbdinfo", "--json", f.uri("e")).ok().out();

        assertThat(json).contains("\"export-name\": \"e\"").contains("\"description\": \"the first disk\"")
                .contains("\"export-size\": 66048").contains("\"is_read_only\": true")
                .contains("\"can_multi_conn\": true").contains("\"can_flush\": true").contains("\"can_fua\": true")
                .contains("\"can_cache\": true").contains("\"can_trim\": false").contains("\"base:allocation\"")
                .contains("\"block_size_maximum\": 33554432");
    }

    @Test
    @DisplayName("B54: a writable export advertises multi-conn only with multi-conn=on")
    void multiConnOnWritableExportsOnlyWhenAsked_B54() throws Exception {
        f.open(f.image("a.img", 1 << 20), "disk0", true);
        f.server.add(new ExportOptions("disk0", "auto", true, null, ExportOptions.MultiConn.AUTO));
        f.server.add(new ExportOptions("disk0", "on", true, null, ExportOptions.MultiConn.ON));
        f.server.add(new ExportOptions("disk0", "off", false, null, ExportOptions.MultiConn.OFF));

        assertThat(Tools.run("nbdinfo", "--can", "multi-conn", f.uri("auto")).status()).isEqualTo(2);
        assertThat(Tools.run("nbdinfo", "--can", "multi-conn", f.uri("on")).status()).isZero();
        assertThat(Tools.run("nbdinfo", "--can", "multi-conn", f.uri("off")).status()).isEqualTo(2);
        assertThat(Tools.run("nbdinfo", "--can", "write", f.uri("auto")).status()).isZero();
        assertThat(Tools.run("nbdinfo", "--can", "write", f.uri("off")).status()).isEqualTo(2);
        assertThat(Tools.run("nbdinfo", "--can", "zero", f.uri("on")).status()).isZero();
        assertThat(Tools.run("nbdinfo", "--can", "fast-zero", f.uri("on")).status()).isZero();
    }

    @Test
    @DisplayName("B52: nbdinfo --list names every export with its description")
    void nbdinfoListNamesEveryExport_B52() throws Exception {
        f.open(f.image("a.img", 1 << 20), "a", false);
        f.open(f.image("b.img", 2 << 20), "b", false);
        f.server.add(new ExportOptions("a", "first", false, "disk A", ExportOptions.MultiConn.AUTO));
        f.server.add(new ExportOptions("b", "second", false, null, ExportOptions.MultiConn.AUTO));

        String list = Tools.run("nbdinfo", "--list", "--json", "nbd+unix://?socket=" + f.socket).ok().out();

        assertThat(list).contains("\"export-name\": \"first\"").contains("\"description\": \"disk A\"")
                .contains("\"export-name\": \"second\"").contains("\"export-size\": 2097152");
    }

    @Test
    @DisplayName("B54: nbdinfo --map (base:allocation) shows the image's data and holes")
    void nbdinfoMapShowsDataAndHoles_B54() throws Exception {
        Path img = f.image("m.img", 8 << 20);
        ServerFixture.fill(img, 2 << 20, 1 << 20, 0x33);
        f.open(img, "disk0", false);
        f.export("disk0", null, false);

        String map = Tools.run("nbdinfo", "--map", f.uri("disk0")).ok().out();

        assertThat(map.lines().map(String::strip).toList()).containsExactly(
                "0     2097152    3  hole,zero",
                "2097152     1048576    0  data",
                "3145728     5242880    3  hole,zero");
    }

    @Test
    void nbdcopyCopiesIntoAndOutOfTheExport() throws Exception {
        Path source = f.image("src.img", 6 << 20);
        ServerFixture.fill(source, 0, 4096, 0x61);
        ServerFixture.fill(source, 5 << 20, 1 << 20, 0x62);
        Path target = f.image("dst.img", 6 << 20);
        f.open(target, "disk0", true);
        f.export("disk0", null, true);

        Tools.run("nbdcopy", source.toString(), f.uri("disk0")).ok();
        Path back = dir.resolve("back.img");
        Tools.run("nbdcopy", f.uri("disk0"), back.toString()).ok();

        assertThat(Files.mismatch(source, target)).isEqualTo(-1);
        assertThat(Files.mismatch(source, back)).isEqualTo(-1);
        // nbdcopy reads the data extents only: block status told it where the holes are.
        assertThat(f.server.exports().getFirst().bytesWritten()).isPositive();
        assertThat(f.server.exports().getFirst().bytesRead()).isBetween(1L << 20, 6L << 20);
    }
}
