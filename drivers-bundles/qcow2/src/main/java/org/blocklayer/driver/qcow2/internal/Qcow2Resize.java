package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * {@code qcow2_co_truncate} without preallocation: growing the virtual size (the L1 table grown first, then the
 * header's size). Shrinking is refused, as {@code qemu-img resize} refuses it without {@code --shrink}.
 */
final class Qcow2Resize {
    private Qcow2Resize() {
    }

    @CoroutineFn
    @GraphRdlock
    static void grow(DriverNode bs, Qcow2State s, long size) throws BlockException {
        if (size % 512 != 0) {
            throw new BlockException(Errno.EINVAL, s.node, Qcow2Driver.NAME, "The new size must be a multiple of 512");
        }
        s.lock();
        try {
            if (s.header.nbSnapshots() != 0 && s.header.version() < 3) {
                throw new BlockException(Errno.ENOTSUP, s.node, Qcow2Driver.NAME,
                        "Can't resize a v2 image which has snapshots");
            }
            if (size < s.size()) {
                throw new BlockException(Errno.ENOTSUP, s.node, Qcow2Driver.NAME,
                        "Use the --shrink option to perform a shrink operation.");
            }
            if (size == s.size()) {
                return;
            }
            long l1 = Qcow2Header.sizeToL1(s.clusterBits(), size);
            if (l1 > Integer.MAX_VALUE) {
                throw new BlockException(Errno.EFBIG, s.node, Qcow2Driver.NAME, "L1 table too large");
            }
            s.map.growL1((int) l1);
            s.l2Cache.write();
            s.refcounts.blocks().write();
            s.file.coFlush();
            s.file.coPwritev(Qcow2Header.OFFSET_SIZE, ByteBuffer.allocate(8).putLong(0, size), 0);
            s.file.coFlush();
            s.header = s.header.withSize(size).withL1(s.map.l1Size(), s.map.l1Offset());
        } finally {
            s.unlock();
        }
    }
}
