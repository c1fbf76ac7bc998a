package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.time.Duration;

import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
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
}
