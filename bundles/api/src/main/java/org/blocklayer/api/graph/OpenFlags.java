package org.blocklayer.api.graph;

/** Open flags ({@code BDRV_O_*}), same values as QEMU. */
public final class OpenFlags {
    /** Open for reading and writing; without it a node is read-only. */
    public static final int RDWR = 0x0002;
    /** Bypass the host page cache: O_DIRECT ({@code cache.direct=on}). */
    public static final int NOCACHE = 0x0020;
    /** Never flush to stable storage ({@code cache.no-flush=on}). */
    public static final int NO_FLUSH = 0x0200;
    /** {@code BDRV_O_UNMAP}: discard requests reach the driver ({@code discard=unmap}); without it they do nothing. */
    public static final int UNMAP = 0x4000;
    /** The node is a protocol node opened by filename. */
    public static final int PROTOCOL = 0x8000;

    private OpenFlags() {
    }

    /**
     * {@code bdrv_parse_discard_flags}: the {@code discard} option, {@code ignore}/{@code off} or
     * {@code unmap}/{@code on}, as whether {@link #UNMAP} is set; null when the option is absent (inherited).
     * EINVAL for anything else.
     */
    public static Boolean parseDiscard(String value) throws org.blocklayer.api.error.BlockException {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "ignore", "off" -> false;
            case "unmap", "on" -> true;
            default -> throw new org.blocklayer.api.error.BlockException(org.blocklayer.api.error.Errno.EINVAL,
                    "Invalid discard option: '" + value + "' (expected ignore, off, unmap or on)");
        };
    }
}
