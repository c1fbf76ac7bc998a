package org.blocklayer.driver.file.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.driver.BlockStatus.Status;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.testing.FakeNode;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.posix.testing.DiskDir;
import org.blocklayer.posix.testing.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * B51 at the driver: the answers of {@link FileDriver#coBlockStatus}, walked over the node and merged as
 * {@code qemu-img map} merges them, are the extents {@code qemu-img map --output=json -f raw} prints for the same
 * sparse file (start, length, zero, data, offset). The merging is the core's; it is redone here, simply.
 */
class QemuImgMapTest {
    private static final Pattern EXTENT = Pattern.compile("\\{ \"start\": (\\d+), \"length\": (\\d+), \"depth\": 0,"
            + " \"present\": true, \"zero\": (true|false), \"data\": (true|false)(?:, \"offset\": (\\d+))?\\}");

    private final FileDriver driver = new FileDriver();
    private final FakeNode bs = new FakeNode("n0");
    private DiskDir disk;

    /** One line of qemu-img's map; {@code offset} -1 when it prints none. */
    record Extent(long start, long length, boolean zero, boolean data, long offset) {
    }

    @BeforeEach
    void disk() throws Exception {
        disk = DiskDir.create();
    }

    @AfterEach
    void closeNodeAndRemoveFiles() throws Exception {
        driver.close(bs);
        disk.close();
    }

    private static String run(String... command) throws Exception {
        LoopDevice.Result r = LoopDevice.run(List.of(command));
        assertThat(r.status()).as(String.join(" ", command) + ": " + r.output()).isZero();
        return r.output();
    }

    private static List<Extent> parse(String json) {
        List<Extent> extents = new ArrayList<>();
        Matcher m = EXTENT.matcher(json);
        while (m.find()) {
            extents.add(new Extent(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)),
                    Boolean.parseBoolean(m.group(3)), Boolean.parseBoolean(m.group(4)),
                    m.group(5) == null ? -1 : Long.parseLong(m.group(5))));
        }
        assertThat(extents).as("extents parsed from " + json).isNotEmpty();
        assertThat(json.strip()).as("every extent parsed").startsWith("[").endsWith("]")
                .hasLineCount(extents.size());
        return extents;
    }

    /** The driver's answers from 0 to {@code length}, merged where flags agree and offsets follow on. */
    private List<Extent> driverMap(long length) throws Exception {
        List<Extent> merged = new ArrayList<>();
        for (long offset = 0; offset < length;) {
            Status s = driver.coBlockStatus(bs, true, offset, length - offset);
            assertThat(s.bytes()).isBetween(1L, length - offset);
            assertThat(s.file()).isSameAs(bs);
            Extent e = new Extent(offset, s.bytes(), s.has(Status.ZERO), s.has(Status.DATA),
                    s.has(Status.OFFSET_VALID) ? s.map() : -1);
            Extent last = merged.isEmpty() ? null : merged.getLast();
            if (last != null && last.zero() == e.zero() && last.data() == e.data()
                    && (last.offset() < 0 ? e.offset() < 0 : last.offset() + last.length() == e.offset())) {
                merged.set(merged.size() - 1,
                        new Extent(last.start(), last.length() + e.length(), e.zero(), e.data(), last.offset()));
            } else {
                merged.add(e);
            }
            offset += s.bytes();
        }
        return merged;
    }

    private void assertSameMapAsQemuImg(Path image) throws Exception {
        String json = run("qemu-img", "map", "--output=json", "-f", "raw", image.toString());
        List<Extent> qemu = parse(json);
        driver.open(bs, new BlockOptions().put("filename", image.toString()), 0);
        // The node's length in whole sectors, as the core has it (bdrv_getlength).
        long length = Math.ceilDiv(driver.coGetLength(bs), 512) * 512;

        assertThat(driverMap(length)).isEqualTo(qemu);
    }

    @Test
    @DisplayName("B51: the merged block status of a sparse image is qemu-img map's")
    void mergedBlockStatusOfASparseImageIsQemuImgMap_B51() throws Exception {
        Needs.tool("qemu-img", "qemu-utils");
        Needs.tool("qemu-io", "qemu-utils");
        Path image = disk.resolve("sparse.img");
        run("qemu-img", "create", "-q", "-f", "raw", image.toString(), "8M");
        run("qemu-io", "-f", "raw", "-c", "write -P 1 64k 4k", "-c", "write -P 2 1M 128k", "-c", "write -P 3 3M 1k",
                "-c", "write -z 1056k 8k", "-c", "write -P 4 7M 1M", image.toString());

        assertSameMapAsQemuImg(image);
    }

    @Test
    @DisplayName("B51: an image ending in a partial sector of data maps as qemu-img's, trailing bytes zero")
    void anImageEndingInAPartialSectorOfDataMapsAsQemuImg_B51() throws Exception {
        Needs.tool("qemu-img", "qemu-utils");
        Path image = disk.resolve("tail.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(2 * 1024 * 1024 + 1000);
            f.seek(512 * 1024);
            f.write(new byte[] {1, 2, 3});
            f.seek(2 * 1024 * 1024 + 500);
            f.write(new byte[] {4, 5, 6});
        }

        assertSameMapAsQemuImg(image);
    }

    @Test
    @DisplayName("B51: a fully allocated image and an empty one map as qemu-img's")
    void fullAndEmptyImagesMapAsQemuImg_B51() throws Exception {
        Needs.tool("qemu-img", "qemu-utils");
        Path full = disk.resolve("full.img");
        run("qemu-img", "create", "-q", "-f", "raw", "-o", "preallocation=full", full.toString(), "1M");
        assertSameMapAsQemuImg(full);
        driver.close(bs);

        Path empty = disk.resolve("empty.img");
        try (RandomAccessFile f = new RandomAccessFile(empty.toFile(), "rw")) {
            f.setLength(3 * 1024 * 1024);
        }
        assertSameMapAsQemuImg(empty);
    }
}
