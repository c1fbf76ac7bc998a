package org.blocklayer.posix;

import java.util.StringJoiner;

/**
 * QEMU 7.2's block node permissions ({@code BLK_PERM_*} in include/block/block-common.h) with their bit numbers,
 * which are also the lock byte offsets: bit i is byte 100+i (taken) and 200+i (not shared) in every image a QEMU
 * process has open. Keep the numbers: they are how blocklayer and QEMU processes see each other's locks. Bit 4 was
 * QEMU's removed GRAPH_MOD; QEMU 6.1 and older may still lock its bytes, so no permission may take it.
 */
public enum ImagePermission {
    CONSISTENT_READ(0, "consistent read"),
    WRITE(1, "write"),
    WRITE_UNCHANGED(2, "write unchanged"),
    RESIZE(3, "resize");

    /** {@code BLK_PERM_ALL}: every permission bit. */
    public static final int ALL = 0x0f;

    private final int bitNumber;
    private final String qemuName;

    ImagePermission(int bitNumber, String qemuName) {
        this.bitNumber = bitNumber;
        this.qemuName = qemuName;
    }

    /** The bit number i: QEMU's {@code BLK_PERM_*} is {@code 1 << i}. */
    public int bitNumber() {
        return bitNumber;
    }

    /** The permission's bit in a permission set. */
    public int bit() {
        return 1 << bitNumber;
    }

    /** The name QEMU's messages use ("consistent read", "write", ...). */
    public String qemuName() {
        return qemuName;
    }

    /** The permission set of {@code permissions}. */
    public static int bits(ImagePermission... permissions) {
        int bits = 0;
        for (ImagePermission p : permissions) {
            bits |= p.bit();
        }
        return bits;
    }

    /** {@code bdrv_perm_names}: the names of the permissions in {@code bits}, in bit order, joined by ", ". */
    public static String names(int bits) {
        StringJoiner names = new StringJoiner(", ");
        for (ImagePermission p : values()) {
            if ((bits & p.bit()) != 0) {
                names.add(p.qemuName);
            }
        }
        return names.toString();
    }
}
