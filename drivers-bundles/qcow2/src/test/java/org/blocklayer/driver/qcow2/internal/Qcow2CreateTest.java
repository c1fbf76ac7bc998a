package org.blocklayer.driver.qcow2.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code block:create qcow2}: the image qemu-img would make, as {@code qemu-img info} and {@code check} see it. */
class Qcow2CreateTest {
    private static final Pattern FIELD = Pattern.compile(
            "\"(virtual-size|cluster-size|compat|lazy-refcounts|refcount-bits|backing-filename|backing-filename-format"
            + "|corrupt|extended-l2|dirty-flag)\": (\"[^\"]*\"|[^,\\s}]+)");

    @TempDir
    Path dir;
    private Qcow2Fixture f;

    @BeforeEach
    void setUp() {
        f = new Qcow2Fixture(dir);
    }

    @AfterEach
    void tearDown() {
        f.close();
    }

    private static Map<String, String> info(Path image) throws Exception {
        String out = Qcow2Fixture.run("qemu-img", "info", "-U", "--output=json", image.toString()).ok().out();
        Map<String, String> fields = new java.util.TreeMap<>();
        Matcher m = FIELD.matcher(out);
        while (m.find()) {
            fields.put(m.group(1), m.group(2));
        }
        return fields;
    }

    private static void assertChecksClean(Path image) throws Exception {
        Qcow2Fixture.assertChecksClean(image);
    }

    @ParameterizedTest
    @ValueSource(strings = {"compat=0.10,cluster_size=512", "compat=1.1,cluster_size=512",
        "compat=1.1,cluster_size=4096", "compat=1.1", "compat=1.1,cluster_size=2M,lazy_refcounts=on",
        "compat=1.1,refcount_bits=1", "compat=1.1,refcount_bits=64,cluster_size=1024", "compat=0.10,cluster_size=2M"})
    void theImageIsTheOneQemuImgCreates(String options) throws Exception {
        Path ours = dir.resolve("ours.qcow2");
        Path theirs = dir.resolve("theirs.qcow2");
        long size = 3L * 1024 * 1024 * 1024 + 512;
        f.graph.create("qcow2", ours.toString(), size, BlockOptions.parse(options));
        Qcow2Fixture.run("qemu-img", "create", "-f", "qcow2", "-o", options, theirs.toString(), Long.toString(size))
                .ok();
        assertThat(info(ours)).isEqualTo(info(theirs)).containsEntry("virtual-size", Long.toString(size));
        assertChecksClean(ours);
    }

    @Test
    void aCloudImageGetsAnOverlayThatWritesAndChecksClean() throws Exception {
        Path raw = dir.resolve("cloud.raw");
        Path cloud = dir.resolve("cloud.qcow2");
        Path overlay = dir.resolve("overlay.qcow2");
        Qcow2Fixture.run("qemu-img", "create", "-f", "raw", raw.toString(), "16M").ok();
        Qcow2Fixture.qemuIo(raw, "raw", "write -P 0x2a 0 5M", "write -P 0x2b 9M 3M");
        Qcow2Fixture.run("qemu-img", "convert", "-c", "-O", "qcow2", raw.toString(), cloud.toString()).ok();
        f.graph.create("qcow2", overlay.toString(), 16L << 20,
                BlockOptions.parse("backing_file=" + cloud + ",backing_fmt=qcow2"));
        assertThat(info(overlay)).containsEntry("backing-filename", "\"" + cloud + "\"")
                .containsEntry("backing-filename-format", "\"qcow2\"");

        f.open(overlay, "ov", true, "");
        BlockBackend blk = f.backend("ov", true);
        byte[] data = new byte[100_000];
        java.util.Arrays.fill(data, (byte) 0x7f);
        blk.pwrite(4_000_000, ByteBuffer.wrap(data));
        blk.flush();
        byte[] expected = Files.readAllBytes(raw);
        System.arraycopy(data, 0, expected, 4_000_000, data.length);
        assertThat(f.readAll(blk)).isEqualTo(expected);
        f.close();
        f = new Qcow2Fixture(dir);
        assertChecksClean(overlay);
        assertThat(f.qemuBytes(overlay)).isEqualTo(expected);
        assertThat(f.qemuBytes(cloud)).isEqualTo(Files.readAllBytes(raw));
    }

    @Test
    void badOptionsAreRefusedWithQemusMessages() {
        Path img = dir.resolve("bad.qcow2");
        for (Map.Entry<String, String> c : Map.of(
                "cluster_size=1000", "Cluster size must be a power of two between 512 and 2048k",
                "compat=0.9", "Invalid compatibility level: '0.9'",
                "compat=0.10,lazy_refcounts=on", "Lazy refcounts only supported with compatibility level 1.1",
                "compat=0.10,refcount_bits=8", "Different refcount widths than 16 bits require compatibility",
                "backing_fmt=raw", "Backing format cannot be used without backing file",
                "backing_file=/x", "Backing file specified without backing format").entrySet()) {
            assertThatThrownBy(() -> f.graph.create("qcow2", img.toString(), 1 << 20, BlockOptions.parse(c.getKey())))
                    .as(c.getKey())
                    .isInstanceOfSatisfying(BlockException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                        assertThat(e.getMessage()).contains(c.getValue());
                    });
        }
    }
}
