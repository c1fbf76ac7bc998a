package org.blocklayer.itests;

import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;

import javax.inject.Inject;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.coroutine.CoroutineScheduler;
import org.blocklayer.api.graph.BlockGraph;
import org.blocklayer.api.graph.BlockNode;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.DriverInfo;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.api.lock.GraphLock;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.ServiceReference;

/** Core's three services in Felix, and a raw-over-file node opened, used and closed through them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class CoreServicesIT extends TestSupport {

    @Inject
    CoroutineScheduler scheduler;

    @Inject
    GraphLock graphLock;

    @Test
    public void coreRegistersSchedulerGraphLockAndBlockGraph() {
        assertNotNull(scheduler);
        assertNotNull(graphLock);
        assertNotNull(graph);
        for (Class<?> service : List.of(CoroutineScheduler.class, GraphLock.class, BlockGraph.class)) {
            ServiceReference<?> ref = bundleContext.getServiceReference(service);
            assertNotNull(service.getSimpleName() + " is registered", ref);
            assertEquals(service.getSimpleName() + " comes from core", "org.blocklayer.core",
                    ref.getBundle().getSymbolicName());
            assertEquals(Bundle.ACTIVE, ref.getBundle().getState());
        }
        assertEquals("main", scheduler.mainContext().name());
        assertEquals(List.of("file", "raw"), graph.drivers().stream().map(DriverInfo::name).toList());
    }

    /** B6: a plain path opens raw over file; the length is the file size rounded up to 512. */
    @Test
    public void rawFileLengthIsRoundedUpToSectors_B6() throws Exception {
        long size = 100_000;
        Path image = sparseImage("length.raw", size);
        BlockNode node = graph.open(image.toString(), new BlockOptions(), OpenFlags.RDWR);
        try {
            assertEquals("raw", node.driverName());
            assertEquals("file", node.file().node().driverName());
            assertEquals(roundUpToSector(size), node.getLength());
            assertEquals(100_352, graph.getLength(node.nodeName()));
        } finally {
            graph.close(node.nodeName());
        }
    }

    @Test
    public void writeThenReadBackThroughABackendOnTheNode() throws Exception {
        Path image = sparseImage("io.raw", 64 * 1024);
        BlockNode node = graph.open(image.toString(), new BlockOptions(), OpenFlags.RDWR);
        try (BlockBackend blk = backends.attach(node.nodeName(), "", EnumSet.of(Permission.CONSISTENT_READ,
                Permission.WRITE), EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE_UNCHANGED))) {
            byte[] pattern = new byte[4096];
            for (int i = 0; i < pattern.length; i++) {
                pattern[i] = (byte) (i * 31 + 7);
            }
            blk.pwrite(8192, ByteBuffer.wrap(pattern));
            blk.flush();

            ByteBuffer back = ByteBuffer.allocate(pattern.length);
            blk.pread(8192, back);
            assertArrayEquals(pattern, back.array());

            // The bytes reached the file itself, at the same offset.
            byte[] onDisk = Files.readAllBytes(image);
            assertArrayEquals(pattern, Arrays.copyOfRange(onDisk, 8192, 8192 + pattern.length));
        } finally {
            graph.close(node.nodeName());
        }
    }

    @Test
    public void closingTheNodeEmptiesTheGraph() throws Exception {
        Path image = sparseImage("close.raw", 4096);
        BlockNode node = graph.open(image.toString(), new BlockOptions().put("node-name", "disk0"),
                OpenFlags.RDWR);
        List<NodeInfo> open = graph.nodes();
        assertEquals("the raw node and its file child", 2, open.size());
        assertTrue(open.stream().anyMatch(n -> n.node().equals("disk0") && "raw".equals(n.driver())));
        assertEquals("disk0", node.nodeName());

        graph.close("disk0");

        assertEquals(List.of(), graph.nodes());
    }
}
