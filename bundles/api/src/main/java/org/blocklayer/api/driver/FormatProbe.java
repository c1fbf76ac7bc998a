package org.blocklayer.api.driver;

import java.nio.ByteBuffer;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A format driver capability ({@code bdrv_probe}): how sure the driver is that an image is in its format. When a
 * node is opened over a protocol without {@code driver=}, the core reads the first bytes of the protocol node and
 * takes the format driver with the highest score ({@code find_image_format}). The {@code raw} driver answers 1,
 * the lowest score that counts, so it is chosen only when no other format recognises the image.
 */
@ConsumerType
public interface FormatProbe {

    /** How many bytes of the image's start the core reads for the probes ({@code BLOCK_PROBE_BUF_SIZE}). */
    int PROBE_BUF_SIZE = 512;

    /**
     * The score, 0 (not this format) to 100 (certainly this format).
     *
     * @param head     the image's first bytes, position 0, at most {@link #PROBE_BUF_SIZE} (fewer for a shorter image);
     *                 read-only, shared by every driver's probe
     * @param filename the image's filename as the user gave it, or null when it was opened by options
     */
    int probe(ByteBuffer head, String filename);
}
