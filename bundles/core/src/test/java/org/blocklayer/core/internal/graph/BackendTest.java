package org.blocklayer.core.internal.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.blocklayer.api.backend.BackendInfo;
import org.blocklayer.api.backend.BlockBackend;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** BlockBackends on the graph: drained request queues, permissions, busy nodes, names (B44, B45, B46, B20). */
@Timeout(60)
class BackendTest {
    private static final Set<Permission> READ = EnumSet.of(Permission.CONSISTENT_READ);
    private static final Set<Permission> READ_WRITE = EnumSet.of(Permission.CONSISTENT_READ, Permission.WRITE);
    /** What a guest device shares by default: everything but write and resize. */
    private static final Set<Permission> DEVICE_SHARED = EnumSet.of(Permission.CONSISTENT_READ,
            Permission.WRITE_UNCHANGED);

    private final CoreFixture core = new CoreFixture();
    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        core.close();
    }

    @Test
    @DisplayName("B44: a backend's request during a drained section waits, uncounted, and runs after it ends")
    void aRequestDuringADrainedSectionWaitsAndRunsAfterIt() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attach("n", "", READ, Permission.ALL);
        core.inMain(() -> {
            core.graph.drainer().drainedBegin(bs);
            return null;
        });

        assertThat(bs.drainState().hasDrainedWaiters()).as("nothing queued yet").isFalse();
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                blk.pread(0, ByteBuffer.allocate(512));
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
        // Forced, not slept: the request is known to be queued once the node's queue holds it.
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!bs.drainState().hasDrainedWaiters() && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }
        assertThat(bs.drainState().hasDrainedWaiters()).as("queued").isTrue();
        assertThat(drv.readsDone.get()).isZero();
        assertThat(((BlockBackendImpl) blk).inFlight()).as("a queued request is not in flight").isZero();
        assertThat(read).isNotDone();

        core.inMain(() -> {
            core.graph.drainer().drainedEnd(bs);
            return null;
        });
        read.get(10, TimeUnit.SECONDS);
        assertThat(drv.readsDone.get()).isEqualTo(1);
        assertThat(bs.drainState().hasDrainedWaiters()).as("the queue restarted").isFalse();
    }

    @Test
    @DisplayName("B44: a request already in flight finishes before drained_begin returns")
    void aRequestInFlightFinishesBeforeTheDrainReturns() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        drv.readsWaitForDrain = new CountDownLatch(1);
        BlockDriverState bs = core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attach("n", "", READ, Permission.ALL);
        CompletableFuture<Void> read = CompletableFuture.runAsync(() -> {
            try {
                blk.pread(0, ByteBuffer.allocate(512));
            } catch (BlockException e) {
                throw new IllegalStateException(e);
            }
        });
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (((BlockBackendImpl) blk).inFlight() == 0 && System.nanoTime() < giveUp) {
            Thread.onSpinWait();
        }

        core.graph.drain("n");

        assertThat(drv.readsDone.get()).as("done when the drain returned").isEqualTo(1);
        read.get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("B45: a backend that takes what another does not share is refused with QEMU's message")
    void aPermissionConflictIsRefusedAndChangesNothing() throws Exception {
        core.driver("test").length = 4096;
        core.open("driver=test,node-name=n");
        core.graph.attach("n", "b1", READ_WRITE, DEVICE_SHARED);

        assertThatThrownBy(() -> core.graph.attach("n", "b2", READ_WRITE, Permission.ALL))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.getMessage()).isEqualTo("Permission conflict on node 'n': permissions 'write' are"
                            + " both required by block device 'b2' (uses node 'n' as 'root' child) and unshared by"
                            + " block device 'b1' (uses node 'n' as 'root' child).");
                });
        assertThat(core.graph.backends()).extracting(BackendInfo::name).containsExactly("b1");
        // A reader that shares everything fits beside it.
        core.graph.attach("n", "b3", READ, Permission.ALL);
    }

    /**
     * blk_set_perm: a change another user does not allow is refused and the backend keeps what it had; an allowed
     * one reaches the node. Breaks if: Backends.setPermissions skipped the graph's check (Permissions.refresh), or
     * did not put the backend's old masks back when it was refused.
     */
    @Test
    @DisplayName("B45: a refused permission change leaves the backend with what it had; an allowed one reaches the node")
    void aRefusedPermissionChangeKeepsWhatTheBackendHad() throws Exception {
        core.driver("test").length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        BlockBackend b1 = core.graph.attach("n", "b1", READ, DEVICE_SHARED);
        BlockBackend b2 = core.graph.attach("n", "b2", READ, Permission.ALL);

        assertThatThrownBy(() -> b2.setPermissions(READ_WRITE, Permission.ALL))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.getMessage()).startsWith("Permission conflict on node 'n': permissions 'write'");
                });
        assertThat(b2.permissions()).isEqualTo(READ);
        assertThat(Permission.of(bs.users().cumulativeTaken())).doesNotContain(Permission.WRITE);

        b1.close();
        b2.setPermissions(READ_WRITE, Permission.ALL);
        assertThat(Permission.of(bs.users().cumulativeTaken())).contains(Permission.WRITE);
    }

    /**
     * bdrv_abort_perm_update: a driver below refusing (an image lock another process holds) takes back what the
     * drivers above had checked already, and nothing is set anywhere. Breaks if: Permissions.refresh's failure
     * path skipped the PermissionHandler's abort (or called it on the wrong nodes).
     */
    @Test
    @DisplayName("B45: a driver's refusal below aborts the update the drivers above had checked")
    void aRefusalBelowAbortsTheUpdateCheckedAbove() throws Exception {
        LockingDriver fmt = new LockingDriver("lockfmt");
        fmt.openChildFile = true;
        LockingDriver proto = new LockingDriver("lockproto");
        core.graph.addDriver(fmt, "test.bundle", "1.0.0");
        core.graph.addDriver(proto, "test.bundle", "1.0.0");
        core.open("driver=lockfmt,node-name=top,file.driver=lockproto,file.node-name=p");
        fmt.calls.clear();
        proto.calls.clear();
        proto.refuse = true;

        assertThatThrownBy(() -> core.graph.attach("top", "", READ_WRITE, Permission.ALL))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                    assertThat(e.getMessage()).contains("p").contains("lockproto");
                });
        assertThat(fmt.calls).containsExactly("check top", "abort top");
        assertThat(proto.calls).containsExactly("check p");
        assertThat(core.graph.backends()).isEmpty();
    }

    @Test
    @DisplayName("B45: permissions go down the graph: two raw nodes over one file node conflict there")
    void permissionsPropagateToChildren() throws Exception {
        core.addFileAndRawDrivers("1.0.0");
        Path img = CoreFixture.sparseFile(dir, "a.img", 1 << 20);
        core.graph.open(null, BlockOptions.parse("driver=file,node-name=proto,filename=" + img), OpenFlags.RDWR);
        core.graph.open(null, BlockOptions.parse("driver=raw,node-name=r1,file=proto"), OpenFlags.RDWR);
        core.graph.open(null, BlockOptions.parse("driver=raw,node-name=r2,file=proto"), OpenFlags.RDWR);
        core.graph.attach("r1", "disk1", READ_WRITE, DEVICE_SHARED);

        assertThatThrownBy(() -> core.graph.attach("r2", "disk2", READ_WRITE, DEVICE_SHARED))
                .hasMessage("Permission conflict on node 'proto': permissions 'write' are both required by node 'r2'"
                        + " (uses node 'proto' as 'file' child) and unshared by node 'r1' (uses node 'proto' as"
                        + " 'file' child).");
        BlockDriverState proto = (BlockDriverState) core.graph.node("proto");
        assertThat(Permission.of(proto.users().cumulativeTaken())).containsExactlyInAnyOrder(Permission.CONSISTENT_READ,
                Permission.WRITE);
        // Breaks if: NodeUsers.cumulativeShared answered 0 (bdrv_get_cumulative_perm's shared half).
        assertThat(Permission.of(proto.users().cumulativeShared())).contains(Permission.CONSISTENT_READ)
                .doesNotContain(Permission.WRITE);
        // raw takes resize on its file only when its own users need it (raw_child_perm).
        assertThat(Permission.of(proto.users().cumulativeTaken())).doesNotContain(Permission.RESIZE);

        core.graph.backend("disk1").close();
        core.graph.attach("r2", "disk2", READ_WRITE, DEVICE_SHARED);
    }

    @Test
    @DisplayName("B46: a backend attached for an export is named as that user when its node cannot be closed")
    void aBackendAttachedAsAUserIsNamedByIt() throws Exception {
        core.driver("test").length = 4096;
        core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attachAs("NBD export 'e'", "n", READ, Permission.ALL);

        assertThat(blk.name()).isEmpty();
        assertThatThrownBy(() -> core.graph.close("n")).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EBUSY);
            assertThat(e.getMessage()).isEqualTo("Node 'n' is busy: NBD export 'e' uses it");
        });
        assertThat(core.graph.backends()).extracting(BackendInfo::user).containsExactly("NBD export 'e'");
        blk.close();
        core.graph.close("n");
    }

    @Test
    @DisplayName("B46: write on a read-only node is refused; a node a backend uses cannot be closed")
    void readOnlyNodesAndBusyNodes() throws Exception {
        core.driver("test").length = 4096;
        core.graph.open(null, BlockOptions.parse("driver=test,node-name=ro"), 0);
        assertThatThrownBy(() -> core.graph.attach("ro", "w", READ_WRITE, Permission.ALL))
                .isInstanceOfSatisfying(BlockException.class, e -> {
                    assertThat(e.errno()).isEqualTo(Errno.EPERM);
                    assertThat(e.getMessage()).isEqualTo("Block node is read-only");
                });
        BlockBackend reader = core.graph.attach("ro", "r", READ, Permission.ALL);
        assertThatThrownBy(() -> reader.pwrite(0, ByteBuffer.allocate(512))).hasMessage(
                "node 'ro', driver 'test': Block node is read-only");
        core.open("driver=test,node-name=rw");
        BlockBackend readerOfRw = core.graph.attach("rw", "r2", READ, Permission.ALL);
        assertThatThrownBy(() -> readerOfRw.pwrite(0, ByteBuffer.allocate(512))).hasMessage(
                "block device 'r2' has no 'write' permission on node 'rw'");

        assertThatThrownBy(() -> core.graph.close("ro")).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.EBUSY);
            assertThat(e.getMessage()).isEqualTo("Node 'ro' is busy: block device 'r' uses it");
        });
        reader.close();
        core.graph.close("ro");
        assertThat(core.graph.nodes()).extracting(org.blocklayer.api.graph.NodeInfo::node).containsExactly("rw");
    }

    /**
     * Breaks if: NodeTable.assignName stops looking up backend ids, or Backends.checkName stops looking up node
     * names (either direction of QEMU's shared namespace of node names and device ids).
     */
    @Test
    @DisplayName("B20: node names and backend names share one namespace")
    void nodeNamesAndBackendNamesDoNotClash() throws Exception {
        core.driver("test").length = 4096;
        core.open("driver=test,node-name=n");
        assertThatThrownBy(() -> core.graph.attach("n", "n", READ, Permission.ALL))
                .hasMessage("Device name 'n' conflicts with an existing node name");
        core.graph.attach("n", "disk", READ, Permission.ALL);
        assertThatThrownBy(() -> core.graph.attach("n", "disk", READ, Permission.ALL))
                .hasMessage("Device with id 'disk' already exists");
        assertThatThrownBy(() -> core.open("driver=test,node-name=disk"))
                .hasMessage("node-name=disk is conflicting with a device id");
        assertThatThrownBy(() -> core.graph.attach("n", "1bad", READ, Permission.ALL))
                .hasMessage("Invalid device name '1bad'");
    }

    /**
     * blk_getlength without a medium: a backend that let go of its node (QEMU's blk with no bs), and a backend
     * whose node lost its driver (blk_is_available false), its node in an iothread; both ENOMEDIUM, never a length.
     * Breaks if: BlockBackendImpl.enter no longer calls requireOpen(), or NodeLength.coNbSectors answers the cached
     * length of a node without driver ({@code return bs.totalSectors();} instead of {@code throw bs.noMedium();}).
     */
    @Test
    @DisplayName("B19: a backend's length without a medium, or with its medium gone, is ENOMEDIUM")
    void aBackendsLengthWithoutAMediumOrWithItsMediumGoneIsEnomedium_B19() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        core.open("driver=test,node-name=n");
        BlockBackend released = core.graph.attach("n", "disk", READ, Permission.ALL);
        assertThat(released.getLength()).isEqualTo(4096);
        released.close();
        assertThatThrownBy(released::getLength).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
            assertThat(e.getMessage()).isEqualTo("block device 'disk' is closed");
        });

        TestDriver gone = core.driver("gone");
        gone.length = 8192;
        core.graph.addIothread("io0");
        core.graph.open(null, BlockOptions.parse("driver=gone,node-name=g"), OpenFlags.RDWR, "io0");
        BlockBackend unavailable = core.graph.attach("g", "", READ, Permission.ALL);
        assertThat(unavailable.getLength()).isEqualTo(8192);
        core.graph.setDetachTimeoutNanos(0);
        core.graph.removeDriver(gone);
        assertThatThrownBy(unavailable::getLength).isInstanceOfSatisfying(BlockException.class, e -> {
            assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM);
            assertThat(e.getMessage()).isEqualTo("node 'g': driver 'gone' gone: No medium found");
        });
        assertThat(gone.getLengthCalls).hasValue(1);
        unavailable.close();
    }

    @Test
    @DisplayName("bdrv_co_enter: a request from a coroutine in another iothread runs in its node's context, and"
            + " the caller goes on in its own")
    void aRequestFromAnotherContextRunsInItsNodesContext() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        core.graph.addIothread("io0");
        core.graph.addIothread("io1");
        core.graph.open(null, BlockOptions.parse("driver=test,node-name=n"), OpenFlags.RDWR, "io0");
        BlockBackend blk = core.graph.attach("n", "", READ, Permission.ALL);
        EventLoop io1 = core.context("io1");
        CompletableFuture<EventLoop> after = new CompletableFuture<>();
        io1.scheduleCoroutine(Coroutine.create(() -> {
            try {
                blk.pread(0, ByteBuffer.allocate(512));
                after.complete(EventLoop.currentOrNull());
            } catch (Throwable t) {
                after.completeExceptionally(t);
            }
        }));
        // Breaks if: coRequest calls the body where the caller runs (the read runs in io1, which a driver bound to its
        // node's context, as the nbd client is, refuses), or moves the caller itself to io0 (it goes on there).
        assertThat(after.get(10, TimeUnit.SECONDS)).as("the caller's context after the request").isSameAs(io1);
        assertThat(drv.lastReadContext.name()).as("where the driver ran the read").isEqualTo("io0");
        assertThat(drv.readsDone.get()).isEqualTo(1);
        blk.close();
    }

    @Test
    void aClosedBackendRefusesRequestsAndLetsTheNodeGo() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attach("n", "", READ, Permission.ALL);
        assertThat(blk.getLength()).isEqualTo(4096);
        ByteBuffer buf = ByteBuffer.allocate(512);
        blk.pread(0, buf);
        assertThat(buf.get(0)).isEqualTo((byte) 0x5a);
        blk.close();
        blk.close();
        assertThatThrownBy(() -> blk.pread(0, ByteBuffer.allocate(512))).isInstanceOfSatisfying(
                BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
        core.graph.close("n");
    }

    /** A device that records the callbacks it hears, and can be told to fail its drained_poll. */
    static final class RecordingDevice implements org.blocklayer.api.backend.BlockDevOps {
        final java.util.List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        volatile boolean pollFails;

        @Override
        public void drainedBegin() {
            heard.add("drained_begin");
        }

        @Override
        public boolean drainedPoll() {
            if (pollFails) {
                throw new IllegalStateException("device bug");
            }
            return false;
        }

        @Override
        public void drainedEnd() {
            heard.add("drained_end");
        }

        @Override
        public void detachAioContext(org.blocklayer.api.coroutine.AioContext old) {
            heard.add("detach " + old.name());
        }

        @Override
        public void attachedAioContext(org.blocklayer.api.coroutine.AioContext ctx) {
            heard.add("attached " + ctx.name());
        }
    }

    /**
     * A backend attached to a drained node whose device is set then hears the section's beginning, as an attach
     * to a drained node does, and its end; one set outside a section hears nothing. A move tells it the old and the new context. A
     * drained_poll that throws is taken as "nothing pending", so the drain ends. Breaks if: setDevOps's drained
     * test changed (negated, {@code >= 0}), the context callbacks were not passed on, or a failing drained_poll
     * counted as pending.
     */
    @Test
    void aDeviceHearsTheSectionItJoinsAndTheMovesOfItsNode() throws Exception {
        TestDriver drv = core.driver("test");
        drv.length = 4096;
        BlockDriverState bs = core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attach("n", "dev", READ, Permission.ALL);
        RecordingDevice quiet = new RecordingDevice();
        RecordingDevice late = new RecordingDevice();
        core.inMain(() -> {
            blk.setDevOps(quiet);
            return null;
        });
        assertThat(quiet.heard).isEmpty();
        core.inMain(() -> {
            core.graph.drainer().drainedBegin(bs);
            BlockBackend blk2 = core.graph.attach("n", "dev2", READ, Permission.ALL);
            blk2.setDevOps(late);
            core.graph.drainer().drainedEnd(bs);
            return null;
        });
        assertThat(late.heard).containsExactly("drained_begin", "drained_end");

        quiet.heard.clear();
        core.graph.addIothread("io0");
        core.graph.setAioContext("n", "io0");
        assertThat(quiet.heard).containsSubsequence("detach main", "attached io0");

        quiet.pollFails = true;
        core.graph.drain("n");
    }

    /**
     * What a backend says of itself, and a permission change through it. Breaks if: nodeName, permissions or
     * sharedPermissions answered something else, or setPermissions skipped the change or its closed check.
     */
    @Test
    void aBackendReportsItsNodeAndPermissionsAndChangesThem() throws Exception {
        core.driver("test").length = 4096;
        core.open("driver=test,node-name=n");
        BlockBackend blk = core.graph.attach("n", "dev", READ_WRITE, DEVICE_SHARED);
        assertThat(blk.nodeName()).isEqualTo("n");
        assertThat(blk.permissions()).isEqualTo(READ_WRITE);
        assertThat(blk.sharedPermissions()).isEqualTo(DEVICE_SHARED);
        blk.setPermissions(READ, Permission.ALL);
        assertThat(blk.permissions()).isEqualTo(READ);
        assertThat(blk.sharedPermissions()).isEqualTo(Permission.ALL);
        blk.close();
        assertThatThrownBy(() -> blk.setPermissions(READ_WRITE, Permission.ALL))
                .isInstanceOfSatisfying(BlockException.class, e -> assertThat(e.errno()).isEqualTo(Errno.ENOMEDIUM));
    }

    /**
     * block:users: a node's parents' edges, then its backends, each with what it takes and shares. Breaks if:
     * Permissions.nodeUsers or the facade's users answered an empty list.
     */
    @Test
    void aNodesUsersAreItsParentsEdgesThenItsBackends() throws Exception {
        TestDriver fmt = core.driver("fmt");
        fmt.openChildFile = true;
        core.driver("test").length = 4096;
        core.open("driver=fmt,node-name=top,file.driver=test,file.node-name=n");
        core.graph.attach("n", "dev", READ, Permission.ALL);
        assertThat(core.graph.users("n")).extracting(org.blocklayer.api.backend.NodeUser::user,
                org.blocklayer.api.backend.NodeUser::as, org.blocklayer.api.backend.NodeUser::taken)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("node 'top'", "file", Set.of()),
                        org.assertj.core.groups.Tuple.tuple("block device 'dev'", "root", READ));
    }
}
