package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 9, "trustworthy under bad input": deep nesting, failures that are not BlockExceptions, empty names (X4). */
class BadInputTest {
    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        core.close();
    }

    /** {@code levels} raw nodes, each the file child of the one above, over a file node when {@code image} is set. */
    private static String rawChain(int levels, String image) {
        StringBuilder options = new StringBuilder("driver=raw");
        String prefix = "";
        for (int i = 1; i < levels; i++) {
            prefix += "file.";
            options.append(',').append(prefix).append("driver=raw");
        }
        if (image != null) {
            prefix += "file.";
            options.append(',').append(prefix).append("driver=file,").append(prefix).append("filename=")
                    .append(image);
        }
        return options.toString();
    }

    @Test
    @DisplayName("X4: a 1000-level nested open fails with EINVAL naming node and driver, and leaves no node")
    void aThousandLevelNestedOpenFailsCleanly_X4() {
        core.addFileAndRawDrivers("test");

        assertThatThrownBy(() -> core.open(rawChain(1000, null))).isInstanceOfSatisfying(BlockException.class,
                e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage()).matches("node '#block\\d+', driver 'raw': Cannot open child 'file':"
                            + " nodes nest at most 64 levels deep");
                });
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("X4: 64 levels of children open; the 65th is refused")
    void nestingIsBoundedAtSixtyFourChildren_X4() throws Exception {
        core.addFileAndRawDrivers("test");
        String image = CoreFixture.sparseFile(dir, "deep.img", 4096).toString();

        BlockDriverState top = core.open(rawChain(NodeOpener.MAX_NESTING, image) + ",node-name=top");
        assertThat(core.graph.nodes()).hasSize(NodeOpener.MAX_NESTING + 1);
        assertThat(core.graph.getLength("top")).isEqualTo(4096);
        core.graph.close(top.nodeName());

        assertThatThrownBy(() -> core.open(rawChain(NodeOpener.MAX_NESTING + 1, image)))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("X4: an Error deep in an open becomes a BlockException and takes every node the open made with it")
    void anErrorInAChildsOpenRemovesEverythingTheOpenCreated_X4() throws Exception {
        TestDriver fmt = core.driver("fmt");
        TestDriver mid = core.driver("mid");
        TestDriver proto = core.driver("proto");
        fmt.openChildFile = true;
        mid.openChildFile = true;
        mid.openFailure = new StackOverflowError();
        core.open("driver=proto,node-name=existing");

        assertThatThrownBy(() -> core.open("driver=fmt,node-name=top,file.driver=mid,file.file.driver=proto"))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EIO);
                    assertThat(e.getMessage()).isEqualTo("node 'top', driver 'fmt': Could not open the node:"
                            + " internal stack overflow error; nothing it created is left");
                });
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("existing");
        assertThat(proto.closeCalls).hasValue(1); // the new bottom node's driver let go of what it held

        // An existing node the failed open referenced is released again: nothing holds it any more.
        assertThatThrownBy(() -> core.open("driver=mid,node-name=other,file=existing"))
                .isInstanceOf(BlockException.class);
        core.graph.close("existing");
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("B20: an empty node-name is refused as QEMU refuses it; no node-name key generates a name")
    void anEmptyNodeNameIsRefused_B20() throws Exception {
        core.driver("test");

        assertThatThrownBy(() -> core.open("driver=test,node-name=")).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.describe()).isEqualTo("Invalid node-name: '' (EINVAL)"));
        assertThatThrownBy(() -> core.graph.open(null, new BlockOptions().put("driver", "test")
                .put("node-name", ""), OpenFlags.RDWR)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.getMessage()).isEqualTo("Invalid node-name: ''"));
        assertThat(core.graph.nodes()).isEmpty();

        assertThat(core.open("driver=test").nodeName()).startsWith("#block");
    }

    /**
     * X4: the nesting bound counts how deep children are, not how many were opened before: a child open gives its
     * level back. Breaks if: NodeOpener.openChild's nesting-- became anything else (32 opens would then exhaust 64).
     */
    @Test
    @DisplayName("X4: the nesting bound counts depth; more children than the bound open one after the other")
    void theNestingBoundCountsDepthNotChildrenOpenedBefore_X4() throws Exception {
        TestDriver fmt = core.driver("fmt");
        core.driver("proto");
        fmt.openChildFile = true;

        for (int i = 0; i <= NodeOpener.MAX_NESTING; i++) {
            BlockDriverState top = core.open("driver=fmt,file.driver=proto");
            assertThat(top.file()).as("open %d", i).isNotNull();
            core.graph.close(top.nodeName());
        }
        assertThat(core.graph.nodes()).isEmpty();
    }

    /**
     * X4: an Error that is no stack overflow is an internal failure in words, naming the node and driver; a VM
     * error that leaves the JVM in doubt (out of memory) is thrown on as it is. Either way the graph is clean.
     * Breaks if: OpenRollback.undo rethrows the wrong kind, or inWords drops the failure's message.
     */
    @Test
    @DisplayName("X4: an assertion in a driver's open is an internal failure in words; out of memory is thrown on")
    void anAssertionIsAnInternalFailureInWordsAndOutOfMemoryIsThrownOn_X4() throws Exception {
        TestDriver fmt = core.driver("fmt");
        core.driver("proto");
        fmt.openChildFile = true;

        fmt.openFailure = new AssertionError("header checked twice");
        assertThatThrownBy(() -> core.open("driver=fmt,node-name=top,file.driver=proto"))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EIO);
                    assertThat(e.getMessage()).isEqualTo("node 'top', driver 'fmt': Could not open the node:"
                            + " internal assertion error: header checked twice; nothing it created is left");
                });
        assertThat(core.graph.nodes()).isEmpty();

        fmt.openFailure = new AssertionError(" ");
        assertThatThrownBy(() -> core.open("driver=fmt,node-name=top,file.driver=proto"))
                .hasMessage("node 'top', driver 'fmt': Could not open the node: internal assertion error;"
                        + " nothing it created is left");

        OutOfMemoryError oom = new OutOfMemoryError("injected");
        fmt.openFailure = oom;
        assertThatThrownBy(() -> core.open("driver=fmt,node-name=top,file.driver=proto")).isSameAs(oom);
        assertThat(core.graph.nodes()).isEmpty();
    }
}
