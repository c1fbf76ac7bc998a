package org.blocklayer.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/**
 * The qcow2 driver bundle deployed at run time, stopped and started again under an open image (X1, X2): its
 * metadata is flushed before it detaches, the node waits without its driver, and once the bundle is back every byte
 * written before reads back; {@code qemu-img check} finds the image clean.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class Qcow2HotDeployIT extends TestSupport {
    private static final String QCOW2_DRIVER = "blocklayer.bundle.qcow2";
    private static final long TIMEOUT_MS = 5_000;

    @Test
    public void theQcow2DriverComesGoesAndComesBackUnderAnOpenImage_X1_X2() throws Exception {
        Path image = scratch.resolve("hot.qcow2");
        qemuImg("create", "-f", "qcow2", "-o", "cluster_size=4096", image.toString(), "4M");
        Bundle qcow2 = bundleContext.installBundle("reference:file:" + reactorJar(QCOW2_DRIVER));
        qcow2.start();
        assertTrue(await(() -> driverNames().contains("qcow2"), TIMEOUT_MS));

        graph.open(image.toString(), new BlockOptions().put("node-name", "hot"), OpenFlags.RDWR);
        assertEquals("qcow2", graph.info("hot").driver());
        byte[] data = new byte[10_000];
        Arrays.fill(data, (byte) 0x3c);
        try (BlockBackend blk = backends.attach("hot", "", EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE),
                EnumSet.allOf(Permission.class))) {
            blk.pwrite(5000, ByteBuffer.wrap(data));

            qcow2.stop();
            assertTrue(await(() -> !driverNames().contains("qcow2"), TIMEOUT_MS));
            assertNull("the node has no medium while the driver is away", graph.info("hot").driver());

            qcow2.start();
            assertTrue(await(() -> "qcow2".equals(driverOf("hot")), TIMEOUT_MS));
            byte[] back = new byte[data.length];
            blk.pread(5000, ByteBuffer.wrap(back));
            assertArrayEquals(data, back);
            blk.pwrite(3_000_000, ByteBuffer.wrap(data));
            blk.flush();
        }
        graph.close("hot");
        String check = qemuImg("check", "--output=json", image.toString());
        assertFalse(check, check.contains("\"leaks\"") || check.contains("\"corruptions\""));
        qcow2.uninstall();
    }

    private String driverOf(String node) {
        try {
            return graph.info(node).driver();
        } catch (org.blocklayer.api.error.BlockException e) {
            return null;
        }
    }

    private List<String> driverNames() {
        return graph.drivers().stream().map(DriverInfo::name).toList();
    }

    private static String qemuImg(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("qemu-img"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue("qemu-img did not finish in 60 s", p.waitFor(60, TimeUnit.SECONDS));
        assertEquals("qemu-img " + cmd + ": " + out, 0, p.exitValue());
        return out;
    }
}
