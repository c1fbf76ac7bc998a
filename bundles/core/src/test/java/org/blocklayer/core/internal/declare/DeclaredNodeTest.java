package org.blocklayer.core.internal.declare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.core.internal.Forwarding;
import org.blocklayer.core.internal.graph.CoreFixture;
import org.blocklayer.core.internal.graph.Graph;
import org.blocklayer.core.internal.graph.NotifyingGraph;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Declared nodes against the real graph with the real file and raw drivers, as Config Admin would drive them. */
class DeclaredNodeTest {
    private final CoreFixture core = new CoreFixture();
    private final Graph graph = core.graph;
    private final Declarations declarations = new Declarations();
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        core.close();
    }

    private String image(String name, long size) throws Exception {
        return CoreFixture.sparseFile(dir, name, size).toString();
    }

    private static Map<String, Object> config(String name, String... keyValues) {
        Map<String, Object> p = new HashMap<>();
        p.put("service.pid", "org.blocklayer.node~" + name);
        p.put("service.factoryPid", "org.blocklayer.node");
        p.put("felix.fileinstall.filename", "file:/deploy/org.blocklayer.node~" + name + ".cfg");
        for (int i = 0; i < keyValues.length; i += 2) {
            p.put(keyValues[i], keyValues[i + 1]);
        }
        return p;
    }

    /** The rechecks node changes ask for, run when the test says: the interleaving is the test's, not luck's. */
    private final QueuedExecutor rechecks = new QueuedExecutor();

    private DeclaredNode declare(Map<String, Object> properties) {
        return new DeclaredNode(graph, declarations, properties, null, rechecks);
    }

    private void drivers() {
        core.addFileAndRawDrivers("test");
    }

    @Test
    @DisplayName("a new configuration opens its node, named after the PID; deleting it closes the node")
    void aConfigurationOpensAndClosesItsNode() throws Exception {
        drivers();
        DeclaredNode declared = declare(config("disk0", "filename", image("a.img", 65537)));

        assertThat(declared.isOpen()).isTrue();
        assertThat(graph.getLength("disk0")).isEqualTo(66048);

        declared.deactivate();
        assertThatThrownBy(() -> graph.info("disk0")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.ENOENT));
        assertThat(graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("a node whose driver is not deployed yet opens when the driver arrives")
    void aNodeWaitsForItsDriver() throws Exception {
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        DeclaredNode declared = declare(config("late", "driver", "raw", "file.driver", "file",
                "file.filename", image("b.img", 4096)));
        assertThat(declared.isOpen()).isFalse();
        assertThat(graph.nodes()).isEmpty();

        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");

        assertThat(declared.isOpen()).isTrue();
        assertThat(graph.getLength("late")).isEqualTo(4096);
        declared.deactivate();
    }

    @Test
    @DisplayName("over any NotifyingGraph, not only core's Graph, a declared node hears its driver arrive")
    void aNodeOverAnyNotifyingGraphHearsItsDriverArrive() throws Exception {
        List<String> calls = Collections.synchronizedList(new ArrayList<>());
        NotifyingGraph notOurGraph = Forwarding.to(NotifyingGraph.class, graph, calls);
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        DeclaredNode declared = new DeclaredNode(notOurGraph, declarations, config("late", "driver", "raw",
                "file.driver", "file", "file.filename", image("f.img", 4096)), null, rechecks);
        assertThat(declared.isOpen()).isFalse();

        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");

        assertThat(declared.isOpen()).isTrue();
        assertThat(calls).contains("onDriverArrival", "onNodeChange", "open");
        declared.deactivate();
        assertThat(graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("a changed configuration reopens the node with the new options; an unchanged one leaves it be")
    void aChangedConfigurationReopens() throws Exception {
        drivers();
        String img = image("c.img", 1 << 20);
        DeclaredNode declared = declare(config("c", "driver", "raw", "file.driver", "file",
                "file.filename", img, "size", "4096"));
        BlockNode first = graph.node("c");
        assertThat(graph.getLength("c")).isEqualTo(4096);

        declared.modified(config("c", "driver", "raw", "file.driver", "file", "file.filename", img, "size", "4096"));
        assertThat(graph.node("c")).isSameAs(first);

        declared.modified(config("c", "driver", "raw", "file.driver", "file", "file.filename", img, "size", "8192"));
        assertThat(graph.node("c")).isNotSameAs(first);
        assertThat(graph.getLength("c")).isEqualTo(8192);
        assertThat(graph.nodes()).hasSize(2); // c and its file child, nothing left of the old pair
        declared.deactivate();
    }

    @Test
    @DisplayName("a broken change keeps the live node as it was; a broken new configuration opens nothing")
    void brokenConfigurationsDoNoHarm() throws Exception {
        drivers();
        String img = image("d.img", 4096);
        DeclaredNode declared = declare(config("d", "filename", img));
        BlockNode live = graph.node("d");

        declared.modified(config("d", "filename", img, "read-only", "perhaps"));
        assertThat(graph.node("d")).isSameAs(live);

        DeclaredNode broken = declare(config("e", "driver", "nosuchdriver"));
        assertThat(broken.isOpen()).isFalse();
        assertThat(graph.nodes()).extracting(n -> n.node()).doesNotContain("e");
        broken.deactivate();
        declared.deactivate();
    }

    @Test
    @DisplayName("a node in use as another node's child is not closed under it; one closed by hand is no error")
    void closingRespectsUsersAndHandCloses() throws Exception {
        drivers();
        DeclaredNode base = declare(config("base", "driver", "file", "filename", image("e.img", 4096)));
        graph.open(null, BlockOptions.parse("driver=raw,node-name=top,file=base"), OpenFlags.RDWR);

        base.deactivate();
        assertThat(graph.getLength("base")).isEqualTo(4096);

        DeclaredNode again = declare(config("again", "driver", "file", "filename", image("e2.img", 4096)));
        graph.close("again");
        again.deactivate();
        graph.close("top");
        rechecks.runAll();
        assertThat(graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("issue 9: block:close on a declared node shows it closed, and why; a changed configuration reopens it")
    void aNodeClosedByHandShowsClosed() throws Exception {
        drivers();
        String img = image("h.img", 4096);
        DeclaredNode declared = declare(config("hand", "filename", img));

        graph.close("hand");
        rechecks.runAll();

        assertThat(declarations.declarations()).singleElement().satisfies(d -> {
            assertThat(d.open()).isFalse();
            assertThat(d.problem()).isEqualTo("closed by block:close; it opens again when its configuration changes");
        });
        assertThat(graph.nodes()).isEmpty();

        declared.modified(config("hand", "filename", img));
        assertThat(declared.isOpen()).isTrue();
        assertThat(declarations.declarations()).singleElement().satisfies(d -> assertThat(d.problem()).isNull());
        declared.deactivate();
        assertThat(graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("issue 9: a declaration that clashed with a hand-opened node opens once that node closes")
    void aClashingDeclarationRetriesWhenTheOtherNodeCloses() throws Exception {
        drivers();
        graph.open(null, BlockOptions.parse("driver=file,node-name=dup,filename=" + image("first.img", 4096)),
                OpenFlags.RDWR);
        DeclaredNode declared = declare(config("dup", "filename", image("second.img", 8192)));
        assertThat(declared.isOpen()).isFalse();
        assertThat(declarations.declarations()).singleElement().satisfies(d -> assertThat(d.problem())
                .isEqualTo("Duplicate nodes with node-name='dup' (EINVAL)"));

        graph.close("dup");
        rechecks.runAll(); // what the close asked for, on the thread the graph hands it to

        assertThat(declared.isOpen()).isTrue();
        assertThat(graph.getLength("dup")).isEqualTo(8192);
        declared.deactivate();
    }

    @Test
    @DisplayName("issue 9: a deleted configuration of another node's child says why the node stays, then closes it")
    void aDeletedChildClosesWhenItsUserGoesAway() throws Exception {
        drivers();
        DeclaredNode base = declare(config("base", "driver", "file", "filename", image("f.img", 4096)));
        graph.open(null, BlockOptions.parse("driver=raw,node-name=top,file=base"), OpenFlags.RDWR);
        rechecks.runAll();

        base.deactivate();

        assertThat(graph.getLength("base")).isEqualTo(4096);
        assertThat(declarations.declarations()).singleElement().satisfies(d -> {
            assertThat(d.node()).isEqualTo("base");
            assertThat(d.open()).isTrue();
            assertThat(d.problem()).isEqualTo("its configuration was deleted, but Node 'base' is busy: node 'top'"
                    + " uses it as its 'file' child (EBUSY); it closes as soon as no node uses it");
        });

        graph.close("top");
        rechecks.runAll();

        assertThat(graph.nodes()).isEmpty();
        assertThat(declarations.declarations()).isEmpty();
    }

    @Test
    @DisplayName("block:declared's source: open ones, waiting ones with their reason, broken ones; gone when deleted")
    void declarationsReportHowEachNodeStands() throws Exception {
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "test");
        DeclaredNode waiting = declare(config("w", "driver", "raw", "file.driver",
                "file", "file.filename", image("w.img", 4096)));
        DeclaredNode broken = declare(config("x", "driver", "raw", "read-only", "no?"));

        assertThat(declarations.declarations()).extracting(d -> d.node() + " " + d.open()).containsExactly(
                "w false", "null false");
        assertThat(declarations.declarations().get(0).problem()).contains("Unknown driver 'file'").contains("EINVAL");
        assertThat(declarations.declarations().get(0).source()).isEqualTo("/deploy/org.blocklayer.node~w.cfg");
        assertThat(declarations.declarations().get(1).problem()).contains("read-only");

        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "test");
        assertThat(declarations.declarations().get(0).open()).isTrue();
        assertThat(declarations.declarations().get(0).problem()).isNull();

        waiting.deactivate();
        broken.deactivate();
        assertThat(declarations.declarations()).isEmpty();
    }
}
