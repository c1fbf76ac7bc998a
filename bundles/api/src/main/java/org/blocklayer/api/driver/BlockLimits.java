package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_refresh_limits}): the request limits of its node. The core pads a request that
 * is not aligned to {@link Limits#requestAlignment()} (a read-modify-write for writes) and splits one longer than
 * {@link Limits#maxTransfer()}, so the driver never sees either (B48).
 */
@ConsumerType
public interface BlockLimits {

    /**
     * The node's limits, from {@code defaults}: alignment 1, and what its data children allow merged as
     * {@code bdrv_merge_limits} does.
     */
    @GlobalStateCode
    Limits refreshLimits(DriverNode bs, Limits defaults);

    /**
     * QEMU's {@code BlockLimits}; a zero maximum means none.
     *
     * @param requestAlignment      every request's offset and length are multiples of it (a power of two)
     * @param maxTransfer           no request is longer (a multiple of the alignment), 0: none
     * @param optTransfer           the length requests ideally have, 0: no preference
     * @param pdiscardAlignment     discards are best aligned to it, 0: none
     * @param maxPdiscard           no discard is longer, 0: none
     * @param pwriteZeroesAlignment write-zeroes requests are best aligned to it, 0: none
     * @param maxPwriteZeroes       no write-zeroes request is longer, 0: none
     */
    record Limits(int requestAlignment, long maxTransfer, long optTransfer, long pdiscardAlignment, long maxPdiscard,
            long pwriteZeroesAlignment, long maxPwriteZeroes) {
        /** A node with no limits: byte-aligned, any length. */
        public static final Limits NONE = new Limits(1, 0, 0, 0, 0, 0, 0);

        public Limits {
            if (requestAlignment < 1 || Integer.bitCount(requestAlignment) != 1) {
                throw new IllegalArgumentException("request alignment " + requestAlignment + " is no power of two");
            }
            if (maxTransfer < 0 || maxTransfer % requestAlignment != 0) {
                throw new IllegalArgumentException("max transfer " + maxTransfer + " is not a multiple of the request"
                        + " alignment " + requestAlignment);
            }
        }

        /** The same, with another request alignment and max transfer. */
        public Limits withTransfer(int alignment, long max) {
            return new Limits(alignment, max, optTransfer, pdiscardAlignment, maxPdiscard, pwriteZeroesAlignment,
                    maxPwriteZeroes);
        }
    }
}
