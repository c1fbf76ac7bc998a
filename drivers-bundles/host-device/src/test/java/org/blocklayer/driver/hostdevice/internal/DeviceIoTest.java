package org.blocklayer.driver.hostdevice.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import org.blocklayer.posix.Fd;
import org.blocklayer.posix.Posix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bounce and read-modify-write arithmetic, on a regular file standing in for a device with 512- and 4096-byte
 * blocks: random requests against a byte-array model, including requests longer than the bounce buffer.
 */
class DeviceIoTest {
    private static final int SIZE = 3 * 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void randomUnalignedReadsAndWritesMatchAModel() throws Exception {
        for (int alignment : new int[] {1, 512, 4096}) {
            byte[] model = new byte[SIZE];
            Random random = new Random(alignment);
            random.nextBytes(model);
            Path file = Files.write(dir.resolve("dev" + alignment), model);
            try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR)) {
                DeviceState s = new DeviceState(file.toString(), fd, true, alignment > 1, alignment);
                for (int i = 0; i < 200; i++) {
                    int length = random.nextInt(i % 20 == 0 ? DeviceIo.MAX_BOUNCE + 10000 : 9000) + 1;
                    long offset = random.nextInt(SIZE - length);
                    boolean direct = random.nextBoolean();
                    if (random.nextBoolean()) {
                        byte[] data = new byte[length];
                        random.nextBytes(data);
                        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(length).put(data).flip() : ByteBuffer.wrap(data);
                        assertThat(DeviceIo.write(s, offset, buf)).isEqualTo(length);
                        assertThat(buf.hasRemaining()).isFalse();
                        System.arraycopy(data, 0, model, (int) offset, length);
                    } else {
                        ByteBuffer buf = direct ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
                        DeviceIo.read(s, offset, buf);
                        assertThat(buf.hasRemaining()).isFalse();
                        byte[] got = new byte[length];
                        buf.flip().get(got);
                        assertThat(java.util.Arrays.equals(got, 0, length, model, (int) offset, (int) offset + length))
                                .as("read %d bytes at %d, alignment %d", length, offset, alignment).isTrue();
                    }
                }
            }
            assertThat(java.util.Arrays.equals(Files.readAllBytes(file), model)).as("alignment %d", alignment).isTrue();
        }
    }

    @Test
    void readPastTheEndIsZerosAndAPartialLastBlockIsPaddedWithZerosOnWrite() throws Exception {
        Path file = Files.write(dir.resolve("dev"), new byte[1000]);
        try (Fd fd = Posix.open(file.toString(), Posix.O_RDWR)) {
            DeviceState s = new DeviceState(file.toString(), fd, true, true, 512);
            ByteBuffer buf = ByteBuffer.allocate(100);
            java.util.Arrays.fill(buf.array(), (byte) 1);
            DeviceIo.read(s, 990, buf);
            assertThat(buf.array()).containsOnly((byte) 0);
        }
    }

    @Test
    void alignmentArithmetic() {
        assertThat(DeviceIo.alignDown(1000, 512)).isEqualTo(512);
        assertThat(DeviceIo.alignUp(1000, 512)).isEqualTo(1024);
        assertThat(DeviceIo.alignUp(1024, 512)).isEqualTo(1024);
        assertThat(DeviceIo.alignDown(7, 1)).isEqualTo(7);
    }
}
