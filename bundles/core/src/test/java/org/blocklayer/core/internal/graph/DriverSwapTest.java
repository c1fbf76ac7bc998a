package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.NodeInfo;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.driver.file.internal.FileDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A driver leaving and coming back while its nodes stay open (X1, X2). */
@Timeout(60)
class DriverSwapTest {
    private final CoreFixture core = new CoreFixture();
    private final FileDriver file = core.addFileAndRawDrivers("1.0.0");
    @TempDir
    Path dir;
    private BlockDriverState disk;

    @AfterEach
    void tearDown() {
        core.close();
    }

    private void openDisk() throws Exception {
        Path img = CoreFixture.sparseFile(dir, "disk.img", 1 << 20);
        disk = (BlockDriverState) core.graph.open(img.toString(), BlockOptions.parse("node-name=disk"),
                OpenFlags.RDWR);
    }

    private static ByteBuffer filled(int value, int size) {
        byte[] b = new byte[size];
        Arrays.fill(b, (byte) value);
        return ByteBuffer.wrap(b);
    }

    @Test
    @DisplayName("X1: a driver that leaves takes the medium of its nodes, which stay and say which driver went")
    void aLeavingDriverLeavesNodesWithoutMedium() throws Exception {
        core.graph.setDetachTimeout(Duration.ZERO);
        openDisk();
        core.graph.removeDriver(file);

        BlockDriverState child = disk.file().node();
        assertThat(child.driver()).isNull();
        assertThat(child.medium().goneDriver()).isEqualTo("file");
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).contains("disk", child.nodeName());
        NodeInfo info = core.graph.info(child.nodeName());
        assertThat(info.goneDriver()).isEqualTo("file");
        assertThatThrownBy(() -> NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0)).isInstanceOfSatisfying(
                BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
                    assertThat(e.getMessage()).contains("driver 'file' gone");
                });
    }

    @Test
    @DisplayName("X2: a driver of the same name coming back reopens the nodes; data written before is still there")
    void aReturningDriverReattachesTheNodesWithTheirData() throws Exception {
        openDisk();
        NodeIo.pwrite(disk, 4096, filled(0xab, 4096), 0);
        core.graph.removeDriver(file);

        FileDriver upgraded = new FileDriver();
        core.graph.addDriver(upgraded, "org.blocklayer.driver.file", "1.1.0");

        assertThat(disk.file().node().driver()).isSameAs(upgraded);
        assertThat(disk.file().node().medium().goneDriver()).isNull();
        ByteBuffer back = ByteBuffer.allocate(4096);
        NodeIo.pread(disk, 4096, back, 0);
        assertThat(back.array()).isEqualTo(filled(0xab, 4096).array());
        assertThat(core.graph.drivers()).filteredOn(d -> d.name().equals("file")).singleElement()
                .satisfies(d -> assertThat(d.version()).isEqualTo("1.1.0"));
    }

    /**
     * X2 for a format node: the returning driver's open finds the child the node kept (bdrv_open_child answers the
     * existing edge), and a returning driver that fails to reopen the node leaves that child for the next one.
     * Breaks if: ChildOpener.open opens a new child during a reattach, or NodeOpener.releaseOpened releases a
     * reattaching node's children.
     */
    @Test
    @DisplayName("X2: a returning format driver reopens its node over the child the node kept")
    void aReturningFormatDriverReopensItsNodeOverTheChildItKept() throws Exception {
        TestDriver proto = core.driver("proto");
        proto.length = 4096;
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        BlockDriverState top = core.open("driver=fmt,node-name=top,file.driver=proto,file.node-name=bottom");
        BdrvChild edge = top.file();
        core.graph.removeDriver(fmt);

        TestDriver failing = TestDriver.withGetLength("fmt");
        failing.openChildFile = true;
        failing.lengthError = TestDriver.eio();
        core.graph.addDriver(failing, "test.bundle", "2.0.0");
        assertThat(top.driver()).isNull();
        assertThat(failing.closeCalls).as("its open succeeded, its refresh did not").hasValue(1);
        assertThat(top.children()).containsExactly(edge);
        core.graph.removeDriver(failing);

        TestDriver back = TestDriver.withGetLength("fmt");
        back.openChildFile = true;
        core.graph.addDriver(back, "test.bundle", "3.0.0");
        assertThat(top.driver()).isSameAs(back);
        assertThat(back.lastFile).as("what its open got").isSameAs(edge);
        assertThat(top.file()).isSameAs(edge);
        assertThat(top.children()).containsExactly(edge);
        assertThat(core.graph.nodes()).extracting(NodeInfo::node).containsExactly("top", "bottom");
        assertThat(proto.closeCalls).hasValue(0);
    }

    /**
     * X2: a request waiting for a gone driver gives up as soon as its node is closed, not at the detach timeout: a
     * node leaving the graph restarts the waiters. Breaks if: NodeTable.forget does not restart them.
     */
    @Test
    @DisplayName("X2: a request waiting for a gone driver fails at once when its node is closed")
    void aRequestWaitingForAGoneDriverFailsAtOnceWhenItsNodeCloses() throws Exception {
        core.graph.setDetachTimeout(Duration.ofMinutes(10));
        assertThat(core.graph.detachTimeout()).isEqualTo(Duration.ofMinutes(10));
        openDisk();
        core.graph.removeDriver(file);
        CompletableFuture<Void> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0);
                read.complete(null);
            } catch (Throwable t) {
                read.completeExceptionally(t);
            }
        }, "reader");
        reader.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blockedIn(reader, "CoWrappers") && !read.isDone() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        // A round trip through the main loop: the reader's coroutine, entered before it, waits for the driver.
        core.scheduler.inMainLoop(() -> null);
        assertThat(read).isNotDone();

        core.graph.close("disk");
        assertThatThrownBy(() -> read.get(10, TimeUnit.SECONDS)).cause().isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        assertThat(core.graph.nodes()).isEmpty();
    }

    @Test
    @DisplayName("X2: a request issued while the driver is away waits for it and then succeeds")
    void aRequestInTheGapWaitsForTheDriver() throws Exception {
        openDisk();
        core.graph.removeDriver(file);
        CompletableFuture<Void> write = new CompletableFuture<>();
        Thread writer = new Thread(() -> {
            try {
                NodeIo.pwrite(disk, 0, filled(0x5a, 512), 0);
                write.complete(null);
            } catch (Throwable t) {
                write.completeExceptionally(t);
            }
        }, "writer");
        writer.start();
        // The driver comes back only once the write waits for it, not after a fixed sleep the writer thread may
        // not even have started in: first the writer hands its coroutine to the main loop and blocks...
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!blockedIn(writer, "CoWrappers") && !write.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        // ...then a round trip through the main loop's top level: the coroutine was entered before it and, the
        // driver being away, can only be waiting for it.
        core.scheduler.inMainLoop(() -> null);
        assertThat(write).isNotDone();
        core.graph.addDriver(new FileDriver(), "org.blocklayer.driver.file", "1.1.0");
        write.get(10, TimeUnit.SECONDS);
        ByteBuffer back = ByteBuffer.allocate(512);
        NodeIo.pread(disk, 0, back, 0);
        assertThat(back.array()).isEqualTo(filled(0x5a, 512).array());
    }

    /** True once {@code t} is parked in a method of a class whose simple name is {@code className}. */
    @Test
    @DisplayName("X2: a request arriving while the returning driver's open polls its loop waits until it is open")
    void aRequestDuringTheReturningDriversOpenWaitsUntilItIsOpen() throws Exception {
        core.graph.removeDriver(file);
        core.driver("proto").length = 4096;
        BlockDriverState node = core.open("driver=proto,node-name=p");
        TestDriver first = (TestDriver) node.driver();
        core.graph.removeDriver(first);
        CountDownLatch polling = new CountDownLatch(1);
        CompletableFuture<Void> read = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try {
                polling.await();
                NodeIo.pread(node, 0, ByteBuffer.allocate(512), 0);
                read.complete(null);
            } catch (Throwable t) {
                read.completeExceptionally(t);
            }
        }, "reader");
        reader.start();
        TestDriver back = TestDriver.withGetLength("proto");
        back.length = 4096;
        var main = core.scheduler.mainContext();
        // As nbd's open: a co_wrapper whose coroutine waits for a worker, the main loop polling meanwhile.
        back.beforeOpen = () -> core.scheduler.coWrapperMixed(main, () -> {
            try {
                return main.threadPool().run(() -> {
                    polling.countDown();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                    while (!blockedIn(reader, "CoWrappers") && System.nanoTime() < deadline) {
                        Thread.onSpinWait();
                    }
                    // The reader's coroutine is entered from a bottom half scheduled before this one.
                    CompletableFuture<Void> after = new CompletableFuture<>();
                    main.schedule(() -> after.complete(null));
                    try {
                        return after.get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        throw new java.io.IOException(e);
                    }
                });
            } catch (java.io.IOException e) {
                throw new BlockException(Errno.EIO, e.toString());
            }
        });

        core.graph.addDriver(back, "test.bundle", "2.0.0");

        read.get(10, TimeUnit.SECONDS);
        assertThat(node.driver()).isSameAs(back);
        assertThat(back.lastOpened).isSameAs(node);
    }

    private static boolean blockedIn(Thread t, String className) {
        Thread.State state = t.getState();
        if (state != Thread.State.WAITING && state != Thread.State.TIMED_WAITING) {
            return false;
        }
        for (StackTraceElement f : t.getStackTrace()) {
            if (f.getClassName().endsWith("." + className)) {
                return true;
            }
        }
        return false;
    }

    @Test
    @DisplayName("X2: a request waits at most the detach timeout, then fails with ENOMEDIUM")
    void aRequestGivesUpAfterTheDetachTimeout() throws Exception {
        core.graph.setDetachTimeout(Duration.ofMillis(300));
        openDisk();
        core.graph.removeDriver(file);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> NodeIo.pread(disk, 0, ByteBuffer.allocate(512), 0)).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertThat(waited).isBetween(250L, 5000L);
        assertThatThrownBy(() -> core.graph.setDetachTimeout(Duration.ofSeconds(-1)))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.EINVAL));
    }

    @Test
    @DisplayName("X2: a replacement bound before the old driver is unbound takes the nodes over at once")
    void aReplacementBoundFirstTakesOverWhenTheOldOneLeaves() throws Exception {
        openDisk();
        FileDriver replacement = new FileDriver();
        core.graph.addDriver(replacement, "org.blocklayer.driver.file", "2.0.0");
        assertThat(disk.file().node().driver()).isSameAs(file);
        core.graph.removeDriver(file);
        assertThat(disk.file().node().driver()).isSameAs(replacement);
        assertThat(disk.getLength()).isEqualTo(1 << 20);
    }
}
