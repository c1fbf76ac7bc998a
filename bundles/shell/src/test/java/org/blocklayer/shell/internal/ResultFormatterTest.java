package org.blocklayer.shell.internal;

import static org.apache.felix.service.command.Converter.INSPECT;
import static org.apache.felix.service.command.Converter.LINE;
import static org.apache.felix.service.command.Converter.PART;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.junit.jupiter.api.Test;

class ResultFormatterTest {
    private final ResultFormatter formatter = new ResultFormatter();

    private static final NodeInfo RAW = new NodeInfo("disk0", "raw", "/tmp/a.img", "#block0", 2048, 1_048_576, null,
            false, true, false, "main", null, "0.1.1");
    private static final NodeInfo GONE = new NodeInfo("#block3", null, "nbd://h/e", null, 8, -1,
            "Node '#block3' has no medium: driver 'nbd' is gone", false, false, true, "iothread0");

    @Test
    void lengthIsABareIntegerAtEveryLevel() {
        var result = new LengthResult("disk0", 1_048_576);

        for (int level : new int[] {INSPECT, LINE, PART}) {
            assertThat(formatter.format(result, level, null)).hasToString("1048576");
        }
    }

    @Test
    void iothreadListIsOneIdALineOrCommaSeparated() {
        var list = new IothreadList(List.of("io0", "io1"));

        assertThat(formatter.format(list, INSPECT, null)).hasToString("io0\nio1");
        assertThat(formatter.format(list, LINE, null)).hasToString("io0, io1");
        assertThat(formatter.format(list, PART, null)).hasToString("io0, io1");
        assertThat(formatter.format(new IothreadList(List.of()), INSPECT, null)).hasToString("");
    }

    @Test
    void openPrintsTheNodeName() {
        assertThat(formatter.format(new OpenResult("#block0"), INSPECT, null)).hasToString("#block0");
    }

    @Test
    void infoShowsTheBackingChainAndWhatTheFormatSaysOfItsImage() {
        var top = new NodeInfo("top", "qcow2", "/tmp/top.qcow2", "#block1", 2048, 1_048_576, null, false, false,
                false, "main", null, "2.0.0", "mid", new java.util.LinkedHashMap<>(java.util.Map.of("compat", "1.1")));
        var mid = new NodeInfo("mid", "qcow2", "/tmp/mid.qcow2", "#block2", 2048, 1_048_576, null, false, false,
                true, "main", null, "2.0.0", "base", null);
        var base = new NodeInfo("base", "raw", "/tmp/base.raw", "#block3", 2048, 1_048_576, null, false, true,
                true, "main", null, "2.0.0");
        String text = formatter.format(new NodeDetails(top, List.of(mid, base), List.of()), INSPECT, null).toString();
        assertThat(text).contains("\nbacking: mid (qcow2: /tmp/mid.qcow2) -> base (raw: /tmp/base.raw)")
                .endsWith("\nformat-specific:\n  compat: 1.1");
    }

    @Test
    void infoIsKeyValueLinesInFixedOrder() {
        assertThat(formatter.format(RAW, INSPECT, null)).hasToString("""
                node: disk0
                driver: raw
                file: #block0
                filename: /tmp/a.img
                total-sectors: 2048
                length: 1048576
                sg: false
                variable-length: true
                read-only: false
                aio-context: main
                driver-version: 0.1.1""");
    }

    @Test
    void infoOfANodeWithoutMediumSaysSo() {
        assertThat(formatter.format(GONE, INSPECT, null)).hasToString("""
                node: #block3
                driver: no medium
                file: -
                filename: nbd://h/e
                total-sectors: 8
                length: - (Node '#block3' has no medium: driver 'nbd' is gone)
                sg: false
                variable-length: false
                read-only: true
                aio-context: iothread0
                driver-version: -""");
    }

    @Test
    void nodesIsOneAlignedLinePerNode() {
        var nodes = new NodeList(List.of(RAW, GONE, new NodeInfo("#block0", "file", "/tmp/a.img", null, 2048,
                1_048_576, null, false, false, false, "main")));

        assertThat(formatter.format(nodes, INSPECT, null)).hasToString("""
                disk0    raw        /tmp/a.img  1048576
                #block3  no medium  nbd://h/e   -
                #block0  file       /tmp/a.img  1048576""");
    }

    @Test
    void noNodesIsNothing() {
        assertThat(formatter.format(new NodeList(List.of()), INSPECT, null)).hasToString("");
    }

    @Test
    void nodeAsTableRowAndAsName() {
        assertThat(formatter.format(RAW, LINE, null)).hasToString("disk0  raw  /tmp/a.img  1048576");
        assertThat(formatter.format(RAW, PART, null)).hasToString("disk0");
        assertThat(formatter.format(new NodeList(List.of(RAW, GONE)), LINE, null)).hasToString("disk0, #block3");
    }

    @Test
    void driversIsOneAlignedLinePerDriver() {
        var drivers = new DriverList(List.of(
                new DriverInfo("file", "protocol", "org.blocklayer.driver.file", "0.1.0.SNAPSHOT", 2),
                new DriverInfo("raw", "format", "org.blocklayer.driver.raw", "0.1.0.SNAPSHOT", 1),
                new DriverInfo("host_device", "protocol", "org.blocklayer.driver.hostdevice", "1.2.3")));

        assertThat(formatter.format(drivers, INSPECT, null)).hasToString("""
                file         protocol  org.blocklayer.driver.file        0.1.0.SNAPSHOT  2 nodes
                raw          format    org.blocklayer.driver.raw         0.1.0.SNAPSHOT  1 node
                host_device  protocol  org.blocklayer.driver.hostdevice  1.2.3           0 nodes""");
        assertThat(formatter.format(drivers, PART, null)).hasToString("file, raw, host_device");
    }

    @Test
    void otherTypesAreLeftToGogo() {
        assertThat(formatter.format("text", INSPECT, null)).isNull();
        assertThat(formatter.format(42L, INSPECT, null)).isNull();
        assertThat(formatter.format(List.of(RAW), INSPECT, null)).isNull();
        assertThat(formatter.format(null, INSPECT, null)).isNull();
        assertThat(formatter.convert(String.class, RAW)).isNull();
    }

    @Test
    void unknownLevelIsRejectedAsTheConverterContractSays() {
        assertThatThrownBy(() -> formatter.format(new OpenResult("a"), 7, null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void declaredIsOneLinePerDeclarationWithTheReasonForAWaitingOne() {
        var list = new DeclarationList(List.of(
                new org.blocklayer.api.graph.DeclarationInfo("/d/org.blocklayer.node~a.cfg", "a", true, null),
                new org.blocklayer.api.graph.DeclarationInfo("/d/org.blocklayer.node~b.cfg", "b", false,
                        "Unknown driver 'nbd' (EINVAL)")));
        assertThat(formatter.format(list, INSPECT, null).toString().lines().map(String::stripTrailing).toList())
                .containsExactly("a  open     /d/org.blocklayer.node~a.cfg",
                        "b  waiting  /d/org.blocklayer.node~b.cfg  Unknown driver 'nbd' (EINVAL)");
    }

    @Test
    void aDeclarationClosedByHandShowsClosedAndOneHeldOpenSaysWhy() {
        var list = new DeclarationList(List.of(
                new org.blocklayer.api.graph.DeclarationInfo("/d/c.cfg", "c", false,
                        "closed by block:close; it opens again when its configuration changes"),
                new org.blocklayer.api.graph.DeclarationInfo("/d/d.cfg", "d", true,
                        "its configuration was deleted, but node 'top' uses it")));
        assertThat(formatter.format(list, INSPECT, null).toString().lines().map(String::stripTrailing).toList())
                .containsExactly("c  closed  /d/c.cfg  closed by block:close; it opens again when its configuration changes",
                        "d  open    /d/d.cfg  its configuration was deleted, but node 'top' uses it");
    }

    @Test
    void infoListsEveryUserWithItsPermissions() {
        var info = FakeBlockGraph.node("n", "raw", "/tmp/a.img", 4096);
        var details = new NodeDetails(info, List.of(
                new org.blocklayer.api.backend.NodeUser("node 'top'", "file",
                        java.util.EnumSet.of(org.blocklayer.api.graph.Permission.CONSISTENT_READ),
                        org.blocklayer.api.graph.Permission.ALL),
                new org.blocklayer.api.backend.NodeUser("an unnamed block device", "root", java.util.Set.of(),
                        java.util.Set.of())));
        assertThat(formatter.format(details, INSPECT, null).toString()).endsWith("driver-version: -"
                + "\nuser: node 'top' as 'file': takes consistent read; shares consistent read, write, write unchanged,"
                + " resize\nuser: an unnamed block device as 'root': takes nothing; shares nothing");
    }
}
