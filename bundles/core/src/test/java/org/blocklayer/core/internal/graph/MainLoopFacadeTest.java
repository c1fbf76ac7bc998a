package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;

import org.blocklayer.api.backend.NodeUser;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The graph service's calls as a user makes them ({@link MainLoopFacade}: blockdev-add, block_resize, the length
 * refresh, closing a parent) and what each leaves behind, permissions included.
 */
class MainLoopFacadeTest {
    private static final EnumSet<Permission> STORAGE_TAKEN =
            EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE, Permission.RESIZE);

    private final CoreFixture core = new CoreFixture();
    private final TestDriver proto = core.driver("proto");
    private final TestDriver fmt = core.driver("fmt");
    @TempDir
    Path dir;

    MainLoopFacadeTest() {
        proto.length = 4096;
        fmt.openChildFile = true;
        fmt.fileRoles = EnumSet.of(ChildRole.PRIMARY, ChildRole.DATA, ChildRole.METADATA);
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    /**
     * bdrv_open's closing bdrv_refresh_perms: a new parent whose permissions on an existing node conflict with that
     * node's users fails the open and leaves nothing. Breaks if: MainLoopFacade.open skips Permissions.refresh.
     */
    @Test
    void anOpenWhoseParentConflictsWithAnExistingUserFailsAndLeavesNothing() throws Exception {
        BlockDriverState disk = core.open("driver=proto,node-name=disk");
        core.graph.attach("disk", "dev", EnumSet.of(Permission.CONSISTENT_READ),
                EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED));

        assertThatThrownBy(() -> core.open("driver=fmt,node-name=over,file=disk"))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.getMessage()).contains("Permission conflict on node 'disk'");
                });
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("disk");
        assertThat(disk.users().refcnt()).isEqualTo(1);
        assertThat(disk.parents()).isEmpty();
    }

    /**
     * bdrv_unref_child: a node a closed parent let go of, still open for its other users, gives up what the parent
     * needed of the nodes below it. Breaks if: NodeRelease.unrefChild does not relax the child's permissions, or
     * relaxes them only when the child is gone.
     */
    @Test
    void aNodeAParentLetGoOfRelaxesWhatItHoldsBelow() throws Exception {
        TestDriver mid = core.driver("mid");
        mid.openChildFile = true;
        core.open("driver=mid,node-name=mid,file.driver=proto,file.node-name=bottom");
        core.open("driver=fmt,node-name=top,file=mid");
        assertThat(core.graph.users("bottom")).singleElement()
                .satisfies(u -> assertThat(u.taken()).isEqualTo(STORAGE_TAKEN));

        core.graph.close("top");
        assertThat(core.graph.users("bottom")).singleElement().extracting(NodeUser::taken)
                .isEqualTo(EnumSet.noneOf(Permission.class));
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("mid", "bottom");
    }

    /** block_resize accepts 0 bytes; only a negative size is refused. Breaks if: resize's test became {@code <= 0}. */
    @Test
    void aNodeResizesToZeroAndANegativeSizeIsRefused() throws Exception {
        core.addFileAndRawDrivers("1.0.0");
        Path img = CoreFixture.sparseFile(dir, "r.img", 1 << 20);
        core.graph.open(img.toString(), BlockOptions.parse("node-name=r"), OpenFlags.RDWR);

        core.graph.resize("r", 0);
        assertThat(core.graph.getLength("r")).isZero();
        assertThat(Files.size(img)).isZero();
        assertThatThrownBy(() -> core.graph.resize("r", -1)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.describe()).isEqualTo("Parameter 'size' expects a >0 size (EINVAL)"));
    }

    /**
     * The length refresh asks the driver again; a plain getLength answers what the node last learned. Breaks if:
     * MainLoopFacade.refresh skips NodeLength.refreshSubtree.
     */
    @Test
    void aRefreshLearnsTheDriversNewLength() throws Exception {
        core.open("driver=proto,node-name=p");
        proto.length = 8192;

        assertThat(core.graph.getLength("p")).isEqualTo(4096);
        assertThat(core.graph.refresh("p")).isEqualTo(8192);
        assertThat(core.graph.getLength("p")).isEqualTo(8192);
    }
}
