package org.blocklayer.api.driver;

import java.util.EnumSet;
import java.util.Set;

/** The flags of a request ({@code BdrvRequestFlags}, block-common.h), with QEMU's values. */
public enum RequestFlag {
    /** {@code BDRV_REQ_COPY_ON_READ}. */
    COPY_ON_READ(0x1),
    /** {@code BDRV_REQ_ZERO_WRITE}: the write is of zeroes, with no buffer. */
    ZERO_WRITE(0x2),
    /** {@code BDRV_REQ_MAY_UNMAP}: zeroes may be written by deallocating (punching a hole). */
    MAY_UNMAP(0x4),
    /** {@code BDRV_REQ_REGISTERED_BUF}. */
    REGISTERED_BUF(0x8),
    /** {@code BDRV_REQ_FUA}: the data is on stable storage when the request completes. */
    FUA(0x10),
    /** {@code BDRV_REQ_WRITE_COMPRESSED}. */
    WRITE_COMPRESSED(0x20),
    /** {@code BDRV_REQ_WRITE_UNCHANGED}. */
    WRITE_UNCHANGED(0x40),
    /** {@code BDRV_REQ_SERIALISING}. */
    SERIALISING(0x80),
    /** {@code BDRV_REQ_NO_FALLBACK}: write zeroes only if it is fast; ENOTSUP rather than a buffer of zeroes. */
    NO_FALLBACK(0x100),
    /** {@code BDRV_REQ_PREFETCH}. */
    PREFETCH(0x200),
    /** {@code BDRV_REQ_NO_WAIT}. */
    NO_WAIT(0x400);

    private final int value;

    RequestFlag(int value) {
        this.value = value;
    }

    /** QEMU's {@code BDRV_REQ_*} value. */
    public int value() {
        return value;
    }

    /** The flags of a {@code BDRV_REQ_*} mask. */
    public static Set<RequestFlag> of(int mask) {
        EnumSet<RequestFlag> set = EnumSet.noneOf(RequestFlag.class);
        for (RequestFlag f : values()) {
            if ((mask & f.value) != 0) {
                set.add(f);
            }
        }
        return set;
    }

    /** The {@code BDRV_REQ_*} mask of {@code flags}. */
    public static int mask(Set<RequestFlag> flags) {
        int mask = 0;
        for (RequestFlag f : flags) {
            mask |= f.value;
        }
        return mask;
    }
}
