package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;

/**
 * An internal snapshot ({@code QCowSnapshot}, read by {@code qcow2_read_snapshots}), listed read-only: what
 * {@code qemu-img snapshot -l} shows of it.
 *
 * @param id          the unique id string
 * @param name        the name
 * @param l1Offset    its L1 table
 * @param l1Size      its L1 entries
 * @param vmStateSize the saved VM state's size (0 for a disk-only snapshot)
 * @param dateSec     when it was taken, seconds since the epoch
 * @param dateNsec    and nanoseconds
 * @param vmClockNsec the guest's clock then
 * @param diskSize    the virtual disk size then (from the extra data, or the image's size for old snapshots)
 */
record Snapshot(String id, String name, long l1Offset, int l1Size, long vmStateSize, long dateSec, long dateNsec,
                long vmClockNsec, long diskSize) {

    /** The snapshot table of {@code h} ({@code nb_snapshots} entries at {@code snapshots_offset}). */
    @CoroutineFn
    @GraphRdlock
    static List<Snapshot> readTable(DriverChild file, Qcow2Header h) throws BlockException {
        List<Snapshot> list = new ArrayList<>();
        if (h.nbSnapshots() == 0) {
            return list;
        }
        if (Integer.toUnsignedLong(h.nbSnapshots()) > 65536) {
            throw new BlockException(Errno.EFBIG, "Too many snapshots");
        }
        long offset = h.snapshotsOffset();
        for (int i = 0; i < h.nbSnapshots(); i++) {
            ByteBuffer fixed = ByteBuffer.allocate(40);
            file.coPreadv(offset, fixed, 0);
            long l1Offset = fixed.getLong(0);
            int l1Size = fixed.getInt(8);
            int idSize = fixed.getShort(12) & 0xffff;
            int nameSize = fixed.getShort(14) & 0xffff;
            long dateSec = Integer.toUnsignedLong(fixed.getInt(16));
            long dateNsec = Integer.toUnsignedLong(fixed.getInt(20));
            long vmClock = fixed.getLong(24);
            long vmState = Integer.toUnsignedLong(fixed.getInt(32));
            int extraSize = fixed.getInt(36);
            if (extraSize < 0 || extraSize > 1024) {
                throw new BlockException(Errno.EFBIG, "Too much extra metadata in snapshot table entry " + i);
            }
            ByteBuffer rest = ByteBuffer.allocate(extraSize + idSize + nameSize);
            file.coPreadv(offset + 40, rest, 0);
            if (extraSize >= 8) {
                vmState = rest.getLong(0);
            }
            long diskSize = extraSize >= 16 ? rest.getLong(8) : h.size();
            String id = string(rest, extraSize, idSize);
            String name = string(rest, extraSize + idSize, nameSize);
            list.add(new Snapshot(id, name, l1Offset, l1Size, vmState, dateSec, dateNsec, vmClock, diskSize));
            offset += (40L + extraSize + idSize + nameSize + 7) & ~7L;
        }
        return list;
    }

    private static String string(ByteBuffer b, int offset, int length) {
        byte[] bytes = new byte[length];
        b.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
