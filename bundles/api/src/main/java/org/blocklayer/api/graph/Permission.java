package org.blocklayer.api.graph;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a user of a node (a child edge or a BlockBackend) may do with it ({@code BLK_PERM_*}, block-common.h), with
 * QEMU's bit values: image locks on byte 100+bit and 200+bit interoperate with QEMU processes only with these.
 */
public enum Permission {
    /** {@code BLK_PERM_CONSISTENT_READ}: reads return what was last written, nothing changes under the reader. */
    CONSISTENT_READ(0, "consistent read"),
    /** {@code BLK_PERM_WRITE}: may change the data. */
    WRITE(1, "write"),
    /** {@code BLK_PERM_WRITE_UNCHANGED}: may write data that does not change what a read returns. */
    WRITE_UNCHANGED(2, "write unchanged"),
    /** {@code BLK_PERM_RESIZE}: may change the length. */
    RESIZE(3, "resize");

    /** {@code BLK_PERM_ALL}. */
    public static final Set<Permission> ALL = Set.copyOf(EnumSet.allOf(Permission.class));
    /**
     * {@code BLK_PERM_ALL} as a bit mask. Bit 4 was QEMU's removed GRAPH_MOD; QEMU 6.1 and older may still lock its
     * image bytes, so no permission may take it.
     */
    public static final int ALL_MASK = 0x0f;

    private final int bitNumber;
    private final String qemuName;

    Permission(int bitNumber, String qemuName) {
        this.bitNumber = bitNumber;
        this.qemuName = qemuName;
    }

    /** The bit number i of {@code BLK_PERM_*} ({@code 1 << i}); lock bytes are 100+i and 200+i. */
    public int bitNumber() {
        return bitNumber;
    }

    /** The bit mask {@code 1 << bitNumber()}. */
    public int mask() {
        return 1 << bitNumber;
    }

    /** The name QEMU's messages use ({@code bdrv_perm_names}): "consistent read", "write"... */
    public String qemuName() {
        return qemuName;
    }

    /** The permissions of a bit mask. */
    public static Set<Permission> of(int mask) {
        EnumSet<Permission> set = EnumSet.noneOf(Permission.class);
        for (Permission p : values()) {
            if ((mask & p.mask()) != 0) {
                set.add(p);
            }
        }
        return set;
    }

    /** The bit mask of a set of permissions. */
    public static int mask(Set<Permission> permissions) {
        int mask = 0;
        for (Permission p : permissions) {
            mask |= p.mask();
        }
        return mask;
    }

    /** The bit mask of {@code permissions}. */
    public static int mask(Permission... permissions) {
        int mask = 0;
        for (Permission p : permissions) {
            mask |= p.mask();
        }
        return mask;
    }

    /** {@code bdrv_perm_names}: "write, resize", in bit order; "" for none. */
    public static String names(int mask) {
        return of(mask).stream().map(Permission::qemuName).collect(Collectors.joining(", "));
    }
}
