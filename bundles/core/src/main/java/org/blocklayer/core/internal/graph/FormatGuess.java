package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;

/**
 * Format probing for a node opened over a protocol without {@code driver=} ({@code find_image_format} in
 * {@code bdrv_open_inherit}): the node's file child is opened first (or the node {@code file=} names is taken), its
 * first {@link FormatProbe#PROBE_BUF_SIZE} bytes are read, and the format driver that scores them highest opens the
 * node over that child. A SCSI generic device, a child without medium and an empty one are raw without a read, as
 * in QEMU.
 *
 * <p>It keeps issue 9's warning, QEMU's for an image probing guessed raw, for the case where it matters while
 * no qcow2 driver is deployed: an image whose first bytes are a qcow2 header is read as raw, header and all.
 */
final class FormatGuess {
    /** {@code QCOW_MAGIC}: "QFI\xfb", the first four bytes of every qcow and qcow2 image. */
    static final byte[] QCOW_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};

    private final Graph graph;
    private final NodeOpener opener;

    /** The probed format, and the file child, held for the format's open until it has taken its own reference. */
    record Probed(BlockDriver format, BlockDriverState file) {
    }

    FormatGuess(Graph graph, NodeOpener opener) {
        this.graph = graph;
        this.opener = opener;
    }

    /**
     * Opens {@code bs}'s file child from {@code options} ({@code file.*}, or finds the node {@code file} names), probes
     * it, and leaves {@code file=<its node name>} in {@code options} for the format's open. The caller holds the
     * context lock of {@code bs} and releases {@link Probed#file()} ({@link Graph#unref}) once the format's open is
     * over; a failure here has released it already.
     *
     * @param filename the filename the user opened, or null when it was given by options
     */
    @GlobalStateCode
    Probed probe(BlockDriverState bs, String filename, BlockOptions options) throws BlockException {
        BlockDriverState file;
        String reference = options.takeString("file");
        if (reference != null) {
            file = graph.table().find(reference);
            file.users().ref();
        } else {
            file = opener.openChild(bs, "file", options.extractSub("file"));
        }
        try {
            String name = filename != null ? filename : file.filename();
            // A referenced node may live in another context than bs: its reads wait on that one.
            BlockDriver format = ContextLocks.holding(file.aioContext(), () -> guess(file, name));
            options.put("file", file.nodeName());
            return new Probed(format, file);
        } catch (BlockException | RuntimeException e) {
            graph.release().unref(file);
            throw e;
        }
    }

    /** {@code find_image_format} on the open protocol node {@code file}. */
    private BlockDriver guess(BlockDriverState file, String name) throws BlockException {
        DriverRegistry drivers = graph.driverRegistry();
        if (file.isSg() || file.driver() == null) {
            return drivers.require(NodeOpener.DEFAULT_FORMAT);
        }
        long length = file.getLength();
        if (length == 0) {
            return drivers.require(NodeOpener.DEFAULT_FORMAT);
        }
        ByteBuffer head = ByteBuffer.allocate((int) Math.min(FormatProbe.PROBE_BUF_SIZE, length));
        try {
            NodeIo.pread(file, 0, head, 0);
        } catch (BlockException e) {
            throw e.prepend("Could not read image for determining its format: ");
        }
        head.rewind();
        BlockDriver format = drivers.probeFormat(head, name);
        if (format == null) {
            List<String> probing = drivers.probingFormats();
            String deployed = probing.isEmpty() ? "no format driver that probes is deployed"
                    : "deployed: " + String.join(", ", probing);
            throw new BlockException(Errno.ENOENT, "Could not determine image format of '" + name
                    + "': No compatible driver found (" + deployed + ")");
        }
        if (format.formatName().equals(NodeOpener.DEFAULT_FORMAT)) {
            String warning = warning(name, head);
            if (warning != null) {
                graph.log().warn("{}", warning);
            }
        }
        return format;
    }

    /** The warning for {@code name} probed as raw, or null when its first bytes are no qcow2 header. */
    static String warning(String name, ByteBuffer head) {
        if (head.limit() < QCOW_MAGIC.length
                || !Arrays.equals(Arrays.copyOf(head.array(), QCOW_MAGIC.length), QCOW_MAGIC)) {
            return null;
        }
        return "Image format was not specified for '" + name + "' and probing guessed raw: it starts with a"
                + " qcow2 header, but no qcow2 driver is deployed, so it is read as raw, header and all."
                + " Specify the 'raw' format explicitly (driver=raw) to remove this warning.";
    }
}
