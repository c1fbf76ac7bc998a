package org.blocklayer.core.internal.graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * The warning of QEMU's format probing ({@code bdrv_open_inherit} when {@code find_image_format} guessed raw), for
 * the one case where it matters before blocklayer probes formats itself: a file opened by name, without a driver,
 * whose first bytes are a qcow2 header. It is read as raw, header and all, and the user should know.
 */
final class FormatGuess {
    /** {@code QCOW_MAGIC}: "QFI\xfb", the first four bytes of every qcow and qcow2 image. */
    static final byte[] QCOW_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    private FormatGuess() {
    }

    /** The warning for {@code filename} opened as raw because no format was given, or null when there is none. */
    static String warning(String filename) {
        if (!startsWithQcowMagic(filename)) {
            return null;
        }
        return "Image format was not specified for '" + filename + "' and probing guessed raw: it starts with a"
                + " qcow2 header, but blocklayer has no qcow2 driver yet, so it is read as raw, header and all."
                + " Specify the 'raw' format explicitly (driver=raw) to remove this warning.";
    }

    private static boolean startsWithQcowMagic(String filename) {
        // A plain read of four bytes: a path that is no readable regular file is the open's to report, not ours.
        try (FileChannel channel = FileChannel.open(Path.of(filename), StandardOpenOption.READ)) {
            ByteBuffer head = ByteBuffer.allocate(QCOW_MAGIC.length);
            while (head.hasRemaining() && channel.read(head) > 0) {
                // read on
            }
            return Arrays.equals(head.array(), QCOW_MAGIC) && !head.hasRemaining();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
