package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.testing.Needs;
import org.blocklayer.posix.testing.LoopDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image creation ({@code bdrv_img_create}, {@code qemu-img create}) with the real raw and file drivers: what
 * blocklayer creates is what qemu-img creates, as {@code qemu-img info --output=json} sees both files (size, format,
 * allocation), including {@code preallocation=full}; an existing file is truncated; errors keep the driver's errno.
 */
@Timeout(120)
class ImageCreateTest {
    private static final Pattern NUMBER = Pattern.compile("\"(virtual-size|actual-size)\": (\\d+)");
    private static final Pattern FORMAT = Pattern.compile("\"format\": \"([^\"]*)\"");

    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path dir;

    ImageCreateTest() {
        core.addFileAndRawDrivers("1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private static String run(String... command) throws Exception {
        LoopDevice.Result r = LoopDevice.run(List.of(command));
        assertThat(r.status()).as(String.join(" ", command) + ": " + r.output()).isZero();
        return r.output();
    }

    /** What {@code qemu-img info --output=json} says of {@code image}: virtual-size, actual-size and format. */
    private static Map<String, String> info(Path image) throws Exception {
        String json = run("qemu-img", "info", "--output=json", image.toString());
        Map<String, String> facts = new java.util.TreeMap<>();
        Matcher n = NUMBER.matcher(json);
        while (n.find()) {
            facts.put(n.group(1), n.group(2));
        }
        Matcher f = FORMAT.matcher(json);
        assertThat(f.find()).as(json).isTrue();
        facts.put("format", f.group(1));
        assertThat(facts).as(json).containsKeys("virtual-size", "actual-size");
        return facts;
    }

    /** Creates {@code name} with blocklayer and {@code name.qemu} with qemu-img, the same way; both infos. */
    private List<Map<String, String>> createBoth(String name, String size, String options) throws Exception {
        Needs.tool("qemu-img", "qemu-utils");
        Path ours = dir.resolve(name);
        Path theirs = dir.resolve(name + ".qemu");
        core.graph.create("raw", ours.toString(), BlockOptions.parseSize("SIZE", size), BlockOptions.parse(options));
        if (options.isEmpty()) {
            run("qemu-img", "create", "-f", "raw", theirs.toString(), size);
        } else {
            run("qemu-img", "create", "-f", "raw", theirs.toString(), size, "-o", options);
        }
        return List.of(info(ours), info(theirs));
    }

    @Test
    void aRawImageIsWhatQemuImgCreatesSizeFormatAndAllocation() throws Exception {
        for (String size : List.of("1M", "1000", "0", "65537", "3G")) {
            List<Map<String, String>> both = createBoth("s" + size + ".img", size, "");
            assertThat(both.get(0)).as("size " + size).isEqualTo(both.get(1));
        }
        assertThat(info(dir.resolve("s1000.img"))).containsEntry("virtual-size", "1024").containsEntry("format", "raw");
    }

    @Test
    void preallocationFullAllocatesEveryByteAsQemuImgDoes() throws Exception {
        List<Map<String, String>> both = createBoth("full.img", "2M", "preallocation=full");

        assertThat(both.get(0)).isEqualTo(both.get(1));
        assertThat(Long.parseLong(both.get(0).get("actual-size"))).isGreaterThanOrEqualTo(2L << 20);
        List<Map<String, String>> sparse = createBoth("off.img", "2M", "preallocation=off");
        assertThat(Long.parseLong(sparse.get(0).get("actual-size"))).isLessThan(2L << 20);
    }

    @Test
    void preallocationFallocAllocatesAsQemuImgDoes() throws Exception {
        List<Map<String, String>> both = createBoth("falloc.img", "2M", "preallocation=falloc");

        assertThat(both.get(0)).isEqualTo(both.get(1));
        assertThat(Long.parseLong(both.get(0).get("actual-size"))).isGreaterThanOrEqualTo(2L << 20);
    }

    @Test
    void theReturnedOptionsAreWhatQemuImgPrintsAfterFormatting() throws Exception {
        Path img = dir.resolve("line.img");

        BlockOptions created = core.graph.create("raw", img.toString(), 1 << 20,
                BlockOptions.parse("preallocation=falloc"));

        assertThat(created.asMap()).containsExactly(Map.entry("size", "1048576"),
                Map.entry("preallocation", "falloc"));
        assertThat(core.graph.create("file", "file:" + img, 512, new BlockOptions()).asMap())
                .as("a protocol as its own format, its prefix dropped").containsExactly(Map.entry("size", "512"));
        assertThat(Files.size(img)).isEqualTo(512);
    }

    @Test
    void anExistingFileIsTruncatedAndCreatedAgainAsQemuImgDoes() throws Exception {
        Path img = dir.resolve("old.img");
        byte[] data = new byte[8192];
        java.util.Arrays.fill(data, (byte) 0x5a);
        Files.write(img, data);

        core.graph.create("raw", img.toString(), 4096, new BlockOptions());

        assertThat(Files.size(img)).isEqualTo(4096);
        assertThat(Files.readAllBytes(img)).containsOnly(0);
    }

    @Test
    void theCreatedImageOpensAndHoldsData() throws Exception {
        Path img = dir.resolve("use.img");
        core.graph.create("raw", img.toString(), 1 << 20, new BlockOptions());

        core.graph.open(img.toString(), BlockOptions.parse("node-name=u"), OpenFlags.RDWR);
        try (var blk = core.graph.attach("u", "dev", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                Permission.ALL)) {
            blk.pwrite(4096, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        assertThat(core.graph.getLength("u")).isEqualTo(1 << 20);
    }

    @Test
    void driverFailuresKeepTheirErrnoAndNameTheDriver() {
        Path missing = dir.resolve("no/such/dir/a.img");

        assertFails(() -> core.graph.create("raw", missing.toString(), 1 << 20, new BlockOptions()), Errno.ENOENT,
                "driver 'file': Could not create '" + missing + "': No such file or directory");
        assertFails(() -> core.graph.create("raw", dir.resolve("p.img").toString(), 1 << 20,
                BlockOptions.parse("preallocation=bogus")), Errno.EINVAL,
                "driver 'file': invalid parameter value: bogus (preallocation is off, falloc or full)");
        assertThat(dir.resolve("p.img")).as("refused before creating").doesNotExist();
    }

    @Test
    void badRequestsAreRefusedBeforeAnyDriverRuns() throws Exception {
        String img = dir.resolve("x.img").toString();
        assertFails(() -> core.graph.create("qcow9", img, 512, new BlockOptions()), Errno.EINVAL,
                "Unknown file format 'qcow9' (deployed: file, raw)");
        assertFails(() -> core.graph.create("raw", img, 512, BlockOptions.parse("foo=bar")), Errno.EINVAL,
                "Invalid parameter 'foo' (the options here: preallocation, size)");
        assertFails(() -> core.graph.create("raw", img, 512, BlockOptions.parse("size=1M")), Errno.EINVAL,
                "The image size must be specified only once");
        assertFails(() -> core.graph.create("raw", "", 512, new BlockOptions()), Errno.EINVAL,
                "Expecting image file name");
        assertFails(() -> core.graph.create("raw", "nbd://localhost/x", 512, new BlockOptions()), Errno.EINVAL,
                "Unknown protocol 'nbd'");
        TestDriver plain = core.driver("plain");
        assertFails(() -> core.graph.create("plain", img, 512, new BlockOptions()), Errno.ENOTSUP,
                "Format driver 'plain' does not support image creation");
        assertThat(dir.resolve("x.img")).doesNotExist();
    }

    @Test
    void theOptionsAreTheFormatsThenTheProtocolsAsQemuImgListsThem() throws Exception {
        assertThat(core.graph.createOptions("raw", dir.resolve("o.img").toString()))
                .extracting(CreateOption::name).containsExactly("size", "preallocation");
        assertThat(core.graph.createOptions("raw", null)).extracting(CreateOption::name).containsExactly("size");
    }

    @Test
    void anImageLockedByAWriterThatDoesNotShareWriteIsRefusedWithQemusMessage() throws Exception {
        Path img = CoreFixture.sparseFile(dir, "held.img", 4096);
        core.graph.open(img.toString(), BlockOptions.parse("node-name=h"), OpenFlags.RDWR);
        core.graph.attach("h", "dev", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED, Permission.RESIZE));

        assertFails(() -> core.graph.create("raw", img.toString(), 8192, new BlockOptions()), Errno.EAGAIN,
                "driver 'file': Failed to get \"write\" lock. Is another process using the image [" + img + "]?");
        assertThat(Files.size(img)).as("untouched").isEqualTo(4096);
        Needs.tool("qemu-img", "qemu-utils");
        LoopDevice.Result qemu = LoopDevice.run(List.of("qemu-img", "create", "-f", "raw", img.toString(), "8K"));
        assertThat(qemu.status()).isNotZero();
        assertThat(qemu.output()).contains("Failed to get \"write\" lock");
    }

    /**
     * qemu_opts_do_parse: a boolean option is on or off and a number may be octal or hexadecimal; both reach the
     * creating driver as plain values. A filename is required for the options of a protocol, and for the file a
     * format creates. Breaks if: ImageCreate.checked drops a boolean or number's value, or createOptions or
     * coCreateFile stops requiring a filename.
     */
    @Test
    void booleansAndNumbersReachTheDriverAsPlainValuesAndEveryFileNeedsAName() throws Exception {
        Creating fmt = new Creating();
        core.graph.addDriver(fmt, "test.bundle", "1.0.0");
        Path img = dir.resolve("t.img");
        fmt.file = img.toString();

        core.graph.create("tfmt", img.toString(), 4096, BlockOptions.parse("lazy=on,clusters=0x10"));
        assertThat(fmt.seen).isEqualTo("size=4096,lazy=on,clusters=16");
        assertThat(Files.size(img)).isEqualTo(4096);
        core.graph.create("tfmt", img.toString(), 4096, BlockOptions.parse("lazy=off,clusters=010"));
        assertThat(fmt.seen).isEqualTo("size=4096,lazy=off,clusters=8");
        assertFails(() -> core.graph.create("tfmt", img.toString(), 4096, BlockOptions.parse("clusters=many")),
                Errno.EINVAL, "Parameter 'clusters' expects a number, got 'many'");

        fmt.file = "";
        assertFails(() -> core.graph.create("tfmt", img.toString(), 4096, new BlockOptions()), Errno.EINVAL,
                "driver 'tfmt': Expecting image file name");
        assertFails(() -> core.graph.createOptions("raw", ""), Errno.EINVAL, "Expecting image file name");
    }

    /** A format that records the options it was given and creates {@link #file} through the core. */
    private static final class Creating implements org.blocklayer.api.driver.BlockDriver,
            org.blocklayer.api.driver.ImageCreation {
        volatile String file;
        volatile String seen;

        @Override
        public String formatName() {
            return "tfmt";
        }

        @Override
        public void open(org.blocklayer.api.driver.DriverNode bs, BlockOptions options, int flags) {
        }

        @Override
        public List<CreateOption> createOptions() {
            return List.of(new CreateOption(CreateOption.SIZE, CreateOption.Type.SIZE, "size"),
                    new CreateOption("lazy", CreateOption.Type.BOOL, "lazy refcounts"),
                    new CreateOption("clusters", CreateOption.Type.NUMBER, "clusters"));
        }

        @Override
        public void coCreate(org.blocklayer.api.driver.CreateRequest request) throws BlockException {
            seen = request.options().toString();
            request.coCreateFile(file, BlockOptions.parse("size=" + request.options().get(CreateOption.SIZE)));
        }
    }

    private static void assertFails(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, Errno errno,
            String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(errno);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }
}
