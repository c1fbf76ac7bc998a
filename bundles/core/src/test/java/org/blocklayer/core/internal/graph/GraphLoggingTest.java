package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.FormatInfo;
import org.blocklayer.api.driver.PermissionHandler;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.Scheduler;
import org.blocklayer.core.internal.lock.GraphRwLock;
import org.blocklayer.core.internal.log.RecordingLogger;
import org.blocklayer.driver.file.internal.FileDriver;
import org.blocklayer.driver.raw.internal.RawDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the graph tells an operator through the OSGi Logger when a driver leaves and comes back (X1, X2). */
@Timeout(60)
class GraphLoggingTest {
    private final RecordingLogger recording = new RecordingLogger();
    private final Scheduler scheduler = new Scheduler();
    private final Graph graph = new Graph(scheduler, new GraphRwLock(scheduler), recording.logger);
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        scheduler.close();
    }

    @Test
    void aNodeLosingItsDriverIsAWarningAndItsReturnInfo() throws Exception {
        FileDriver file = new FileDriver();
        graph.addDriver(file, "org.blocklayer.driver.file", "1.0.0");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "1.0.0");
        graph.setDetachTimeout(Duration.ZERO);
        Path img = dir.resolve("disk.img");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(4096);
        }
        graph.open(null, BlockOptions.parse("driver=raw,node-name=disk,file.driver=file,file.filename=" + img
                + ",file.node-name=proto"), OpenFlags.RDWR);

        graph.removeDriver(file);
        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "2.0.0");

        assertThat(recording.records).contains("WARN node proto: no medium, driver file gone",
                "INFO node proto: driver file is back");
    }

    /** Issue 9: a qcow2 image opened by name is read as raw, and QEMU's probing warning says so. */
    @Test
    void aQcow2HeaderOpenedWithoutAFormatWarnsThatItIsReadAsRaw() throws Exception {
        graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.0.0");
        graph.addDriver(new RawDriver(), "org.blocklayer.driver.raw", "1.0.0");
        Path qcow2 = dir.resolve("vm.qcow2");
        byte[] header = new byte[512];
        System.arraycopy(FormatGuess.QCOW_MAGIC, 0, header, 0, 4);
        java.nio.file.Files.write(qcow2, header);
        Path plain = dir.resolve("plain.img");
        java.nio.file.Files.write(plain, new byte[512]);

        graph.open(qcow2.toString(), BlockOptions.parse("node-name=vm"), OpenFlags.RDWR);
        graph.open(plain.toString(), BlockOptions.parse("node-name=plain"), OpenFlags.RDWR);
        graph.open(null, BlockOptions.parse("driver=raw,node-name=explicit,file.driver=file,file.filename=" + qcow2),
                OpenFlags.RDWR);

        assertThat(recording.records).filteredOn(r -> r.startsWith("WARN")).containsExactly("WARN Image format was"
                + " not specified for '" + qcow2 + "' and probing guessed raw: it starts with a qcow2 header, but"
                + " no qcow2 driver is deployed, so it is read as raw, header and all. Specify the 'raw' format"
                + " explicitly (driver=raw) to remove this warning.");
        assertThat(graph.getLength("vm")).isEqualTo(512);
    }

    /**
     * What goes wrong while letting go or describing is a driver's or listener's fault: logged, and the graph goes
     * on (the node closes, the backend goes, the info is shown, the other listeners hear). Breaks if: NodeTable's
     * changed or info, or NodeRelease's closeDriverQuietly or relaxPermissions, stop logging the failure.
     */
    @Test
    void failuresWhileLettingGoOrDescribingAreWarningsAndTheGraphGoesOn() throws Exception {
        Faulty drv = new Faulty();
        graph.addDriver(drv, "test.bundle", "1.0.0");
        AtomicInteger heard = new AtomicInteger();
        graph.onNodeChange(() -> {
            throw new IllegalStateException("listener bug");
        });
        graph.onNodeChange(heard::incrementAndGet);

        graph.open(null, BlockOptions.parse("driver=faulty,node-name=n"), OpenFlags.RDWR);
        assertThat(heard).hasValue(1);
        assertThat(graph.info("n").formatSpecific()).isEmpty();
        BlockBackend blk = graph.attach("n", "", EnumSet.of(Permission.CONSISTENT_READ), Permission.ALL);
        drv.refuse = true;
        blk.close();
        assertThat(graph.users("n")).isEmpty();
        graph.close("n");
        assertThat(graph.nodes()).isEmpty();

        assertThat(recording.records).filteredOn(r -> r.startsWith("WARN")).containsExactly(
                "WARN a node change listener failed: java.lang.IllegalStateException: listener bug",
                "WARN driver faulty failed to describe node n",
                "WARN node n: releasing permissions failed: refused",
                "WARN driver faulty failed to close node n",
                "WARN a node change listener failed: java.lang.IllegalStateException: listener bug");
    }

    /** A driver whose describing and closing throw, and whose permission check refuses once told to. */
    private static final class Faulty extends TestDriverBase implements FormatInfo, PermissionHandler {
        volatile boolean refuse;

        @Override
        public String formatName() {
            return "faulty";
        }

        @Override
        public Map<String, String> formatSpecific(DriverNode bs) {
            throw new IllegalStateException("cannot describe");
        }

        @Override
        public void close(DriverNode bs) {
            throw new IllegalStateException("cannot close");
        }

        @Override
        public void checkPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared)
                throws BlockException {
            if (refuse) {
                throw new BlockException(Errno.EIO, "refused");
            }
        }

        @Override
        public void setPermissions(DriverNode bs, Set<Permission> taken, Set<Permission> shared) {
        }

        @Override
        public void abortPermissionUpdate(DriverNode bs) {
        }
    }
}
