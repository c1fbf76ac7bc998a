package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Core with the real file and raw drivers: B6, B14, B15 end to end on files. */
class RealDriversTest {
    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path dir;

    RealDriversTest() {
        core.addFileAndRawDrivers("test");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private Path image(long size) throws Exception {
        Path p = Files.createTempFile(dir, "img", ".raw");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(size);
        }
        return p;
    }

    @Test
    @DisplayName("B6: an odd sized image reads as whole sectors with azero tail")
    void anOddSizedImageReadsAsWholeSectorsWithAZeroTail_B6() throws Exception {
        Path img = image(65537);
        Files.write(img, new byte[] {7}, java.nio.file.StandardOpenOption.WRITE);
        BlockDriverState bs = (BlockDriverState) core.graph.open(img.toString(), new BlockOptions(), OpenFlags.RDWR);

        assertThat(bs.getLength()).isEqualTo(66048);
        ByteBuffer tail = ByteBuffer.allocate(512);
        NodeIo.pread(bs, 65536, tail, 0);
        assertThat(tail.array()).containsOnly(0);
        assertThatThrownBy(() -> NodeIo.pread(bs, 65536, ByteBuffer.allocate(1024), 0))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EIO));
    }

    @Test
    @DisplayName("B15: raw window is max zero min size child minus offset")
    void rawWindowIsMaxZeroMinSizeChildMinusOffset_B15() throws Exception {
        Path img = image(8192);
        BlockDriverState window = (BlockDriverState) core.graph.open(null, BlockOptions.parse(
                "driver=raw,offset=1024,size=2048,file.driver=file,file.filename=" + img), OpenFlags.RDWR);
        assertThat(window.getLength()).isEqualTo(2048);
        BlockDriverState rest = (BlockDriverState) core.graph.open(null, BlockOptions.parse(
                "driver=raw,offset=7168,file.driver=file,file.filename=" + img), OpenFlags.RDWR);
        assertThat(rest.getLength()).isEqualTo(1024);
        assertThat(rest.file().node().driver().formatName()).isEqualTo("file");
    }

    @Test
    @DisplayName("B14: truncate refreshes with the new size as hint and reports whole sectors")
    void truncateRefreshesWithTheNewSizeAsHintAndReportsWholeSectors_B14() throws Exception {
        Path img = image(4096);
        BlockDriverState bs = (BlockDriverState) core.graph.open(img.toString(), new BlockOptions(), OpenFlags.RDWR);
        String name = bs.nodeName();

        assertThat(core.graph.resize(name, 10_000)).isEqualTo(10_240);
        assertThat(Files.size(img)).isEqualTo(10_000);
        assertThat(bs.file().node().totalSectors()).isEqualTo(20);
        assertThat(core.graph.resize(name, 1024)).isEqualTo(1024);
        assertThat(Files.size(img)).isEqualTo(1024);
        assertThat(core.graph.getLength(name)).isEqualTo(1024);
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    @DisplayName("B43: resize of an iothread node completes without hang")
    void resizeOfAnIothreadNodeCompletesWithoutHang_B43() throws Exception {
        core.graph.addIothread("io0");
        Path img = image(4096);
        BlockDriverState bs = (BlockDriverState) core.graph.open(img.toString(), new BlockOptions(), OpenFlags.RDWR,
                "io0");
        assertThat(bs.aioContext().name()).isEqualTo("io0");

        assertThat(core.graph.resize(bs.nodeName(), 1 << 20)).isEqualTo(1 << 20);
        assertThat(Files.size(img)).isEqualTo(1 << 20);
        assertThat(core.graph.getLength(bs.nodeName())).isEqualTo(1 << 20);
    }

    @Test
    void truncateOnAReadOnlyNodeIsEaccesAndNegativeIsEinval() throws Exception {
        Path img = image(4096);
        BlockDriverState ro = (BlockDriverState) core.graph.open(img.toString(), new BlockOptions(), 0);
        assertThatThrownBy(() -> core.graph.resize(ro.nodeName(), 8192)).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.describe()).contains("Image is read-only").endsWith("(EACCES)"));
        assertThatThrownBy(() -> NodeIo.truncate(ro, -1)).isInstanceOfSatisfying(BlockException.class,
                e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
        assertThat(Files.size(img)).isEqualTo(4096);
    }
}
