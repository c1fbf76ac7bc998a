package org.blocklayer.driver.file.internal;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PositionalIoTest {

    @TempDir
    Path dir;

    @Test
    void readStopsAtEndOfFileAndReportsWhatItRead() throws Exception {
        Path path = Files.write(dir.resolve("f"), new byte[] {1, 2, 3});
        try (FileChannel ch = FileChannel.open(path, READ)) {
            ByteBuffer buf = ByteBuffer.allocate(10);

            assertThat(PositionalIo.read(ch, 1, buf)).isEqualTo(2);
            assertThat(buf.position()).isEqualTo(2);
        }
    }

    @Test
    void zeroFillCoversMoreThanOneChunk() {
        ByteBuffer buf = ByteBuffer.allocate(10_000);
        buf.put(new byte[] {5});
        for (int i = 1; i < 10_000; i++) {
            buf.array()[i] = 7;
        }

        PositionalIo.zeroFill(buf);

        assertThat(buf.hasRemaining()).isFalse();
        assertThat(buf.get(0)).isEqualTo((byte) 5);
        assertThat(buf.get(9_999)).isZero();
    }

    @Test
    void writeWritesEverythingAndLeavesPositionUntouched() throws Exception {
        Path path = Files.createFile(dir.resolve("g"));
        try (FileChannel ch = FileChannel.open(path, READ, WRITE)) {
            ByteBuffer buf = ByteBuffer.wrap(new byte[] {9, 8, 7});

            assertThat(PositionalIo.write(ch, 5, buf)).isEqualTo(3);
            assertThat(ch.position()).isZero();
            assertThat(Files.readAllBytes(path)).containsExactly(0, 0, 0, 0, 0, 9, 8, 7);
        }
    }
}
