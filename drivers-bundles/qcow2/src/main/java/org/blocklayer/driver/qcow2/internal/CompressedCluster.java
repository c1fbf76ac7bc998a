package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * A zlib-compressed cluster ({@code qcow2_parse_compressed_l2_entry}, {@code qcow2_co_preadv_compressed},
 * {@code qcow2_zlib_decompress}): raw deflate, no zlib header, starting anywhere in the file and running over whole
 * 512-byte sectors, inflated into one cluster.
 */
final class CompressedCluster {
    /** Where a compressed cluster's bytes lie in the file. */
    record Extent(long offset, int size) {
    }

    private CompressedCluster() {
    }

    /** {@code qcow2_parse_compressed_l2_entry}: the offset takes {@code csize_shift} bits, the sector count the rest. */
    static Extent parse(long l2Entry, int clusterBits) {
        int csizeShift = 62 - (clusterBits - 8);
        long csizeMask = (1L << (clusterBits - 8)) - 1;
        long offset = l2Entry & ((1L << csizeShift) - 1);
        long sectors = ((l2Entry >>> csizeShift) & csizeMask) + 1;
        return new Extent(offset, (int) (sectors * 512 - (offset & 511)));
    }

    /**
     * Reads and inflates the cluster of {@code l2Entry}. The last sectors of the file may be short of what the entry
     * claims: what lies past the file's end reads as zeroes, as it does in QEMU.
     */
    @CoroutineFn
    @GraphRdlock
    static byte[] read(DriverChild file, long l2Entry, int clusterBits, String node) throws BlockException {
        Extent e = parse(l2Entry, clusterBits);
        long fileLength = file.coGetLength();
        int available = (int) Math.max(0, Math.min(e.size(), fileLength - e.offset()));
        // One spare zero byte, which Inflater's nowrap mode may ask for at the end of the stream.
        byte[] input = new byte[e.size() + 1];
        if (available > 0) {
            file.coPreadv(e.offset(), ByteBuffer.wrap(input, 0, available), 0);
        }
        byte[] out = new byte[1 << clusterBits];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(input);
            int n = 0;
            while (n < out.length && !inflater.finished()) {
                int got = inflater.inflate(out, n, out.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                n += got;
            }
            if (n != out.length) {
                throw new BlockException(Errno.EIO, node, Qcow2Driver.NAME, "Compressed cluster at host offset "
                        + e.offset() + " inflates to " + n + " bytes, not " + out.length);
            }
            return out;
        } catch (DataFormatException ex) {
            throw new BlockException(Errno.EIO, node, Qcow2Driver.NAME, "Compressed cluster at host offset "
                    + e.offset() + " is not valid deflate data: " + ex.getMessage(), ex);
        } finally {
            inflater.end();
        }
    }
}
