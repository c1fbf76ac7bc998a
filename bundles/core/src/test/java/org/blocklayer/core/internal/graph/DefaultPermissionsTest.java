package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Set;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.Permission;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code bdrv_default_perms} (B45's defaults): what a parent takes and shares on a child by the child's roles,
 * given what the parent's own users take and share, case by case as block.c computes it. Breaks if: any of
 * Permissions.forCow/forStorage/forFilter's masks, role tests or read-only test changed (PIT found most of them
 * surviving: no test looked at the defaults apart from the conflicts they lead to).
 */
class DefaultPermissionsTest {
    private static final Permission R = Permission.CONSISTENT_READ;
    private static final Permission W = Permission.WRITE;
    private static final Permission WU = Permission.WRITE_UNCHANGED;
    private static final Permission Z = Permission.RESIZE;

    private final CoreFixture core = new CoreFixture();

    @AfterEach
    void tearDown() {
        core.close();
    }

    private static Set<Permission> set(Permission... p) {
        return p.length == 0 ? EnumSet.noneOf(Permission.class) : EnumSet.of(p[0], p);
    }

    /** The defaults as two sets: what the parent takes and what it shares. */
    private static String defaults(BlockDriverState bs, Set<ChildRole> roles, Set<Permission> taken,
            Set<Permission> shared) {
        int[] d = Permissions.defaults(bs, roles, Permission.mask(taken), Permission.mask(shared));
        return Permission.of(d[0]) + " / " + Permission.of(d[1]);
    }

    @Test
    void aBackingFileIsOnlyReadAndMayChangeOnlyIfTheParentsUsersLetIt() throws Exception {
        core.driver("test").length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        Set<ChildRole> cow = EnumSet.of(ChildRole.COW);
        assertThat(defaults(bs, cow, Permission.ALL, Permission.ALL))
                .isEqualTo(set(R) + " / " + set(R, W, WU, Z));
        assertThat(defaults(bs, cow, set(W, Z), set(R)))
                .isEqualTo(set() + " / " + set(R, WU));
    }

    @Test
    void aFormatsFileHoldsMetadataAndDataThatOthersMustNotResize() throws Exception {
        core.driver("test").length = 4096;
        BlockDriverState rw = core.open("driver=test,node-name=rw");
        BlockDriverState ro = (BlockDriverState) core.graph.open(null,
                BlockOptions.parse("driver=test,node-name=ro"), 0);
        Set<ChildRole> metadata = EnumSet.of(ChildRole.METADATA);
        Set<ChildRole> data = EnumSet.of(ChildRole.DATA);
        Set<ChildRole> both = EnumSet.of(ChildRole.DATA, ChildRole.METADATA);

        assertThat(defaults(rw, metadata, set(), Permission.ALL)).isEqualTo(set(R, W, Z) + " / " + set(R, WU));
        assertThat(defaults(ro, metadata, set(), Permission.ALL)).isEqualTo(set(R) + " / " + set(R, WU));

        assertThat(defaults(rw, data, set(R), Permission.ALL)).isEqualTo(set(R) + " / " + set(R, W, WU));
        assertThat(defaults(rw, data, set(WU), set(R, Z))).isEqualTo(set(W, WU, Z) + " / " + set(R));
        assertThat(defaults(rw, data, set(W), Permission.ALL)).isEqualTo(set(W, Z) + " / " + set(R, W, WU));

        assertThat(defaults(ro, both, set(R), Permission.ALL)).isEqualTo(set(R) + " / " + set(R, WU));
        assertThat(defaults(rw, both, set(R), Permission.ALL)).isEqualTo(set(R, W, Z) + " / " + set(R, WU));
    }

    @Test
    void aFilteredChildPassesTheParentsUsersThrough() throws Exception {
        core.driver("test").length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        assertThat(defaults(bs, EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY), set(R, W), set(R)))
                .isEqualTo(set(R, W) + " / " + set(R));
        assertThat(defaults(bs, EnumSet.noneOf(ChildRole.class), set(Z), set(WU)))
                .isEqualTo(set(Z) + " / " + set(WU));
    }
}
