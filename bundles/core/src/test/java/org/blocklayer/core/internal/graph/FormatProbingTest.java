package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockChild;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.driver.file.internal.FileDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format probing ({@code find_image_format}, {@link FormatProbe}): a node opened over a protocol without
 * {@code driver=} gets the format driver that scores the image's first bytes highest, raw (score 1) when no other
 * recognises them; an empty image or one that cannot be probed is raw or a clean failure.
 */
class FormatProbingTest {
    private final CoreFixture core = new CoreFixture();
    private final Magic magic = new Magic("magic", "MAGIC", 100);
    @TempDir
    Path dir;

    FormatProbingTest() {
        core.addFileAndRawDrivers("1.0.0");
        core.graph.addDriver(magic, "test.magic", "1.0.0");
    }

    @AfterEach
    void tearDown() {
        core.close();
    }

    private Path image(String name, String start, int size) throws Exception {
        byte[] data = new byte[size];
        byte[] head = start.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, data, 0, head.length);
        return Files.write(dir.resolve(name), data);
    }

    private String driverOf(String node) throws BlockException {
        return core.graph.info(node).driver();
    }

    @Test
    void theFormatThatRecognisesTheImageOpensItOverItsProtocolNode() throws Exception {
        Path img = image("a.img", "MAGIC", 4096);

        core.graph.open(img.toString(), BlockOptions.parse("node-name=a"), OpenFlags.RDWR);

        assertThat(driverOf("a")).isEqualTo("magic");
        assertThat(magic.probes).singleElement().satisfies(p -> {
            assertThat(p.filename()).isEqualTo(img.toString());
            assertThat(p.bytes()).isEqualTo(FormatProbe.PROBE_BUF_SIZE);
            assertThat(p.start()).isEqualTo("MAGIC");
        });
        String file = core.graph.info("a").fileChild();
        assertThat(driverOf(file)).isEqualTo("file");
        assertThat(core.graph.nodes()).hasSize(2);
        assertThat(((BlockDriverState) core.graph.node(file)).users().refcnt()).as("only the format holds it").isEqualTo(1);

        core.graph.close("a");
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    void anImageNoOtherFormatRecognisesIsRaw() throws Exception {
        core.graph.open(image("plain.img", "plain", 4096).toString(), BlockOptions.parse("node-name=p"),
                OpenFlags.RDWR);

        assertThat(driverOf("p")).isEqualTo("raw");
        assertThat(magic.probes).hasSize(1);
    }

    @Test
    void anEmptyImageIsRawWithoutAProbe() throws Exception {
        core.graph.open(image("empty.img", "", 0).toString(), BlockOptions.parse("node-name=e"), OpenFlags.RDWR);

        assertThat(driverOf("e")).isEqualTo("raw");
        assertThat(magic.probes).isEmpty();
    }

    @Test
    void ofEqualScoresTheFirstNameAlphabeticallyWins() throws Exception {
        Magic beta = new Magic("beta", "SAME", 50);
        Magic alpha = new Magic("alpha", "SAME", 50);
        core.graph.addDriver(beta, "test.beta", "1.0.0");
        core.graph.addDriver(alpha, "test.alpha", "1.0.0");

        core.graph.open(image("same.img", "SAME", 4096).toString(), BlockOptions.parse("node-name=s"),
                OpenFlags.RDWR);

        assertThat(driverOf("s")).isEqualTo("alpha");
    }

    @Test
    void optionsWithoutADriverAreProbedToo() throws Exception {
        Path img = image("b.img", "MAGIC", 4096);

        core.graph.open(null, BlockOptions.parse("node-name=b,file.driver=file,file.node-name=bf,file.filename="
                + img), OpenFlags.RDWR);

        assertThat(driverOf("b")).isEqualTo("magic");
        assertThat(core.graph.info("b").fileChild()).isEqualTo("bf");
        assertThat(magic.probes).singleElement().satisfies(p -> assertThat(p.filename()).isEqualTo(img.toString()));
    }

    @Test
    void aReferencedNodeIsProbedAndStaysWithItsOwnReference() throws Exception {
        Path img = image("c.img", "MAGIC", 4096);
        core.graph.open(null, BlockOptions.parse("driver=file,node-name=proto,filename=" + img), OpenFlags.RDWR);

        core.graph.open(null, BlockOptions.parse("node-name=c,file=proto"), OpenFlags.RDWR);

        assertThat(driverOf("c")).isEqualTo("magic");
        assertThat(((BlockDriverState) core.graph.node("proto")).users().refcnt()).isEqualTo(2);
        core.graph.close("c");
        assertThat(core.graph.nodes()).extracting(n -> n.node()).containsExactly("proto");
        assertThat(((BlockDriverState) core.graph.node("proto")).users().refcnt()).isEqualTo(1);
    }

    @Test
    void withoutAFormatThatProbesTheOpenIsEnoentAndLeavesNothing() throws Exception {
        CoreFixture bare = new CoreFixture();
        try {
            bare.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.0.0");
            Path img = image("d.img", "MAGIC", 4096);

            assertThatThrownBy(() -> bare.graph.open(img.toString(), BlockOptions.parse("node-name=d"),
                    OpenFlags.RDWR)).isInstanceOfSatisfying(BlockException.class, e -> {
                        assertThat(e.errno()).isEqualTo(Errno.ENOENT);
                        assertThat(e.getMessage()).contains("Could not determine image format of '" + img
                                + "': No compatible driver found (no format driver that probes is deployed)");
                    });
            assertThat(bare.graph.nodes()).isEmpty();
        } finally {
            bare.close();
        }
    }

    @Test
    void aProtocolNodeThatCannotBeReadFailsTheOpenNamingTheProbe() throws Exception {
        TestDriver broken = core.driver("broken");
        broken.protocol = true;
        broken.length = 4096;
        broken.readError = TestDriver.eio();

        assertThatThrownBy(() -> core.graph.open("broken:x", BlockOptions.parse("node-name=x"), OpenFlags.RDWR))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EIO);
                    assertThat(e.getMessage()).contains("Could not read image for determining its format: ")
                            .contains("injected I/O error");
                });
        assertThat(core.graph.nodes()).isEmpty();
        assertThat(magic.probes).isEmpty();
    }

    /** One probe as the driver saw it. */
    record Probe(String filename, int bytes, String start) {
    }

    /** A format driver recognising images that start with {@code signature}, over a file child as raw is. */
    private static final class Magic implements BlockDriver, FormatProbe {
        private final String name;
        private final byte[] signature;
        private final int score;
        final List<Probe> probes = new CopyOnWriteArrayList<>();

        Magic(String name, String signature, int score) {
            this.name = name;
            this.signature = signature.getBytes(StandardCharsets.US_ASCII);
            this.score = score;
        }

        @Override
        public String formatName() {
            return name;
        }

        @Override
        public int probe(ByteBuffer head, String filename) {
            byte[] start = new byte[Math.min(signature.length, head.remaining())];
            head.duplicate().get(start);
            probes.add(new Probe(filename, head.remaining(), new String(start, StandardCharsets.US_ASCII)));
            return java.util.Arrays.equals(start, signature) ? score : 0;
        }

        @Override
        public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
            org.blocklayer.api.driver.DriverChild file = bs.openChild(options, "file", EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY), false);
            bs.setTotalSectors(file.node().totalSectors());
        }
    }

    /** B18's side of probing: a SCSI generic device is raw without a read. Breaks if: FormatGuess.guess reads it. */
    @Test
    void aScsiGenericDeviceIsRawWithoutARead() throws Exception {
        TestDriver sg = core.driver("sgdev");
        sg.protocol = true;
        sg.sg = true;
        sg.length = 4096;
        sg.readError = TestDriver.eio();

        BlockNode node = core.graph.open("sgdev:/dev/sg0", BlockOptions.parse("node-name=s"), OpenFlags.RDWR);
        assertThat(node.driverName()).isEqualTo("raw");
        assertThat(sg.readsDone).hasValue(0);
        assertThat(magic.probes).isEmpty();
    }

    /**
     * A probe that fails over a referenced node gives its reference back: the node is as it was and closes.
     * Breaks if: FormatGuess.probe keeps the reference when the guess fails.
     */
    @Test
    void aFailedProbeOverAReferencedNodeGivesItsReferenceBack() throws Exception {
        TestDriver broken = core.driver("broken");
        broken.length = 4096;
        broken.readError = TestDriver.eio();
        BlockDriverState proto = (BlockDriverState) core.graph.open(null,
                BlockOptions.parse("driver=broken,node-name=proto"), OpenFlags.RDWR);

        assertThatThrownBy(() -> core.graph.open(null, BlockOptions.parse("node-name=c,file=proto"), OpenFlags.RDWR))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.getMessage())
                        .contains("Could not read image for determining its format"));
        assertThat(proto.users().refcnt()).isEqualTo(1);
        core.graph.close("proto");
        assertThat(core.graph.nodes()).isEmpty();
    }

    /** Breaks if: NodeOpener.openProbed loses the probed driver, which names a leftover option. */
    @Test
    void aProbedFormatRefusesAnOptionItDoesNotTakeNamingItself() throws Exception {
        Path img = image("e.img", "", 4096);

        assertThatThrownBy(() -> core.graph.open(img.toString(), BlockOptions.parse("node-name=e,bogus=1"),
                OpenFlags.RDWR)).isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EINVAL);
                    assertThat(e.getMessage())
                            .isEqualTo("node 'e', driver 'raw': Block format 'raw' does not support the option 'bogus'");
                });
        assertThat(core.graph.nodes()).isEmpty();
    }

    /** Breaks if: FormatGuess.warning misses an image of exactly the four bytes of the qcow2 magic. */
    @Test
    void theQcow2WarningNeedsTheFourMagicBytesNoMore() {
        assertThat(FormatGuess.warning("m", ByteBuffer.wrap(FormatGuess.QCOW_MAGIC.clone()))).contains("'m'");
        assertThat(FormatGuess.warning("m", ByteBuffer.wrap(new byte[] {'Q', 'F', 'I'}))).isNull();
        assertThat(FormatGuess.warning("m", ByteBuffer.wrap(new byte[] {'Q', 'F', 'I', 0}))).isNull();
    }
}
