package org.blocklayer.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/**
 * blocklayer's {@code getLength} of raw images, through the OSGi {@code BlockGraph} service, against
 * {@code qemu-img info --output=json}'s {@code virtual-size}: QEMU itself is the reference (B5, B6; qemu-iotests 221
 * reads a 65537-byte raw image as 66048 bytes).
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class QemuImgLengthIT extends TestSupport {

    private static final Pattern VIRTUAL_SIZE = Pattern.compile("\"virtual-size\"\\s*:\\s*(\\d+)");

    /** B6: an empty image is 0 bytes long, in both. */
    @Test
    public void emptyImage_B6() throws Exception {
        assertLengthMatchesQemuImg(0, 0);
    }

    /** B5, B6: one byte is one whole sector. */
    @Test
    public void oneByteReadsAsOneSector_B5_B6() throws Exception {
        assertLengthMatchesQemuImg(1, 512);
    }

    /** B5, B6. */
    @Test
    public void oneByteShortOfASectorReadsAsOneSector_B5_B6() throws Exception {
        assertLengthMatchesQemuImg(511, 512);
    }

    /** B6: an exact sector stays as it is. */
    @Test
    public void exactSector_B6() throws Exception {
        assertLengthMatchesQemuImg(512, 512);
    }

    /** B5, B6: 65537 bytes = 129 sectors (DIV_ROUND_UP) = 66048 bytes (qemu-iotests 221). */
    @Test
    public void bytes65537ReadAs66048_B5_B6() throws Exception {
        assertLengthMatchesQemuImg(65537, 66048);
    }

    /** B5, B6: a sparse 1 GiB + 1 byte image: 2097153 sectors. */
    @Test
    public void oneGibPlusOneByte_B5_B6() throws Exception {
        assertLengthMatchesQemuImg((1L << 30) + 1, (1L << 30) + 512);
    }

    private void assertLengthMatchesQemuImg(long size, long expected) throws Exception {
        Path image = sparseImage("size-" + size + ".raw", size);
        long qemu = qemuImgVirtualSize(image);
        BlockNode node = graph.open(image.toString(), new BlockOptions(), 0);
        try {
            long ours = graph.getLength(node.nodeName());
            assertEquals("blocklayer getLength vs qemu-img virtual-size of a " + size + "-byte raw image", qemu, ours);
            assertEquals("getLength of a " + size + "-byte raw image", expected, ours);
            assertEquals("the node's own wrapper agrees with the service", ours, node.getLength());
            assertEquals("total_sectors (B5)", expected / 512, node.totalSectors());
        } finally {
            graph.close(node.nodeName());
        }
    }

    /** {@code qemu-img info --output=json -f raw FILE}'s "virtual-size". */
    private static long qemuImgVirtualSize(Path image) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("qemu-img", "info", "--output=json", "-f", "raw", image.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("qemu-img is not installed (" + e.getMessage() + "): install qemu-utils, e.g."
                    + " apt-get install -y qemu-utils");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("qemu-img info did not finish in 30 s", p.waitFor(30, TimeUnit.SECONDS));
        assertEquals("qemu-img info failed: " + out, 0, p.exitValue());
        Matcher m = VIRTUAL_SIZE.matcher(out);
        if (!m.find()) {
            fail("no \"virtual-size\" in qemu-img's output: " + out);
        }
        return Long.parseLong(m.group(1));
    }
}
