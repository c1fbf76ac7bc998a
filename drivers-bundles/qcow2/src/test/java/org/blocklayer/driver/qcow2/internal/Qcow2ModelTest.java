package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.RequestFlag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model test (B56, B57): thousands of random writes, zeroes, discards and reads from four threads at once (each
 * in its own stripes of clusters, all sharing L2 tables and refcount blocks), on an overlay over a backing chain of
 * depth 1 to 3, against a raw shadow; at the end every byte agrees, {@code qemu-img check} is clean and
 * {@code qemu-img compare} says identical.
 */
class Qcow2ModelTest {
    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 750;

    @TempDir
    Path dir;

    @ParameterizedTest(name = "cluster_size={0} depth={1} compat={2}")
    @CsvSource({"512,1,1.1", "4096,2,1.1", "65536,3,1.1", "65536,1,0.10", "2097152,2,1.1"})
    void randomOperationsAgreeWithARawShadow(int cluster, int depth, String compat) throws Exception {
        long size = 24L * 1024 * 1024;
        Random seeds = new Random(cluster * 31L + depth);
        Path below = null;
        String belowFormat = null;
        for (int level = 0; level < depth; level++) {
            Path img = dir.resolve("layer" + level + ".qcow2");
            long layerSize = size - (depth - level) * 3L * 1024 * 1024;
            if (below == null) {
                Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", img.toString(), Long.toString(layerSize)).ok();
            } else {
                Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-b", below.toString(), "-F", belowFormat,
                        img.toString(), Long.toString(layerSize)).ok();
            }
            List<String> writes = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                long off = Math.floorMod(seeds.nextLong(), layerSize - 200_000);
                writes.add("write -P " + (1 + seeds.nextInt(250)) + " " + off + " " + (1 + seeds.nextInt(150_000)));
            }
            Qcow2Fixture.qemuIo(img, "qcow2", writes.toArray(String[]::new));
            below = img;
            belowFormat = "qcow2";
        }
        Path top = dir.resolve("top.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", "compat=" + compat + ",cluster_size=" + cluster,
                "-b", below.toString(), "-F", belowFormat, top.toString(), Long.toString(size)).ok();
        Path shadow = dir.resolve("shadow.raw");
        Qcow2Fixture.run("qemu-img", "convert", "-O", "raw", top.toString(), shadow.toString()).ok();

        try (Qcow2Fixture f = new Qcow2Fixture(dir)) {
            f.open(top, "top", true, "discard=unmap");
            f.open(shadow, "shadow", true, "driver=raw");
            BlockBackend q = f.backend("top", true);
            BlockBackend r = f.backend("shadow", true);
            long stripe = Math.max(cluster, 65536);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Void>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    done.add(pool.submit(worker(q, r, t, stripe, size, new Random(seeds.nextLong()))));
                }
                for (Future<Void> d : done) {
                    d.get();
                }
            } finally {
                pool.shutdownNow();
            }
            q.flush();
            assertThat(f.readAll(q)).isEqualTo(f.readAll(r));
        }
        Qcow2Fixture.assertChecksClean(top);
        Qcow2Fixture.run("qemu-img", "compare", "-f", "raw", "-F", "qcow2", shadow.toString(), top.toString()).ok();
    }

    /** One thread's operations, in the stripes {@code index, index + THREADS, ...} of {@code stripe} bytes. */
    private static Callable<Void> worker(BlockBackend q, BlockBackend r, int index, long stripe, long size,
                                         Random rnd) {
        return () -> {
            long stripes = size / stripe;
            for (int i = 0; i < OPS_PER_THREAD; i++) {
                long s = (rnd.nextLong(stripes / THREADS)) * THREADS + index;
                long base = s * stripe;
                int op = rnd.nextInt(10);
                if (op < 5) {
                    int len = 1 + rnd.nextInt((int) stripe);
                    long off = base + rnd.nextInt((int) (stripe - len + 1));
                    byte[] b = new byte[len];
                    Arrays.fill(b, (byte) rnd.nextInt(256));
                    b[0] = (byte) i;
                    q.pwrite(off, ByteBuffer.wrap(b));
                    r.pwrite(off, ByteBuffer.wrap(b));
                } else if (op < 7) {
                    boolean whole = rnd.nextBoolean();
                    long off = whole ? base : base + rnd.nextInt((int) stripe / 2);
                    long len = whole ? stripe : 1 + rnd.nextInt((int) (base + stripe - off));
                    EnumSet<RequestFlag> flags = rnd.nextBoolean() ? EnumSet.of(RequestFlag.MAY_UNMAP)
                            : EnumSet.noneOf(RequestFlag.class);
                    q.pwriteZeroes(off, len, flags);
                    r.pwriteZeroes(off, len, EnumSet.noneOf(RequestFlag.class));
                } else if (op < 8) {
                    q.pdiscard(base, stripe);
                    byte[] now = new byte[(int) stripe];
                    q.pread(base, ByteBuffer.wrap(now));
                    r.pwrite(base, ByteBuffer.wrap(now));
                } else {
                    int len = 1 + rnd.nextInt((int) stripe);
                    long off = base + rnd.nextInt((int) (stripe - len + 1));
                    byte[] a = new byte[len];
                    byte[] b = new byte[len];
                    q.pread(off, ByteBuffer.wrap(a));
                    r.pread(off, ByteBuffer.wrap(b));
                    if (!Arrays.equals(a, b)) {
                        throw new AssertionError("thread " + index + " op " + i + ": " + len + " bytes at " + off
                                + " differ from the shadow");
                    }
                }
            }
            return null;
        };
    }
}
