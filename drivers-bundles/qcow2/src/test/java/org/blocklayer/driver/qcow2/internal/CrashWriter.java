package org.blocklayer.driver.qcow2.internal;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;

import org.blocklayer.api.backend.BlockBackend;

/**
 * The process {@link Qcow2CrashTest} kills: allocating, partial-cluster writes to slots of their own, a flush after
 * every few, and "acked N" printed once writes 0..N are flushed.
 */
public final class CrashWriter {
    static final int SLOT_CLUSTERS = 3;
    static final int OFFSET_IN_SLOT = 1000;
    static final int LENGTH = 5000;

    private CrashWriter() {
    }

    /** Slots never overlap, and each write leaves parts of clusters to copy on write. */
    static long slot(int i, int cluster) {
        return (long) i * Math.max(SLOT_CLUSTERS * cluster, 4 * LENGTH) + OFFSET_IN_SLOT;
    }

    static byte[] pattern(int i) {
        byte[] b = new byte[LENGTH];
        Arrays.fill(b, (byte) (i % 251 + 1));
        return b;
    }

    public static void main(String[] args) throws Exception {
        Path image = Path.of(args[0]);
        int cluster = Integer.parseInt(args[1]);
        try (Qcow2Fixture f = new Qcow2Fixture(image.getParent())) {
            f.open(image, "crash", true, "");
            BlockBackend blk = f.backend("crash", true);
            for (int i = 0; ; i++) {
                blk.pwrite(slot(i, cluster), ByteBuffer.wrap(pattern(i)));
                if (i % 7 == 6) {
                    blk.flush();
                    System.out.println("acked " + i);
                    System.out.flush();
                }
            }
        }
    }
}
