package org.blocklayer.core.internal.graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.driver.GetLength;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;
import org.blocklayer.core.internal.coroutine.Coroutine;
import org.blocklayer.core.internal.coroutine.EventLoop;

/**
 * A scriptable driver: what its callbacks return, and how often and where they were called. As made, it has no
 * getlength (QEMU's NULL callback); {@link #withGetLength} makes one that has.
 */
class TestDriver implements BlockDriver {
    final String name;
    volatile boolean protocol;
    volatile boolean variableLength;
    volatile boolean sg;
    volatile boolean openChildFile;
    /** Opens a child {@code backing} with the COW role, after the file. */
    volatile boolean openChildCow;
    /** Roles of the {@code file} child; FILTERED and PRIMARY unless set. */
    volatile Set<ChildRole> fileRoles = EnumSet.of(ChildRole.FILTERED, ChildRole.PRIMARY);
    volatile boolean filter;
    volatile boolean filteredChildIsBacking;
    volatile long length;
    volatile long totalSectorsAtOpen = -1;
    volatile BlockException lengthError;
    /** Thrown by every read when set. */
    volatile BlockException readError;
    volatile BlockException openError;
    /** Thrown by open after the child is opened: what a bug or a stack overflow deep in a driver looks like. */
    volatile Error openFailure;
    /** Thrown by open after the child is opened: a driver's bug, a RuntimeException. */
    volatile RuntimeException openBug;
    /** The file child is optional: its failure to open is kept in {@link #childFailure} and the open goes on. */
    volatile boolean fileChildOptional;
    volatile BlockException childFailure;
    /** An option of its own the driver takes in open, as nbd takes {@code server.*}. */
    volatile String ownOption;
    /** Runs first in open, before the node has its state: a driver whose open waits, polling its loop. */
    volatile OpenHook beforeOpen;
    volatile DriverNode lastOpened;
    /** The file child the last open got from the core. */
    volatile DriverChild lastFile;
    final AtomicInteger getLengthCalls = new AtomicInteger();
    final AtomicInteger closeCalls = new AtomicInteger();
    volatile boolean lastGetLengthInCoroutine;
    /** The context whose loop ran the last coGetLength / coPreadv (the logical thread, on either backend). */
    volatile EventLoop lastGetLengthContext;
    volatile EventLoop lastReadContext;
    /** How long a read spends on a worker thread, yielding, before it completes. */
    volatile long readDelayMillis;
    /**
     * When set, a read waits on its worker until a drain begins on a node of this driver (at most 10 s), then for
     * {@link #readDelayMillis}: a drain, move or write lock then always finds it in flight, however late it starts.
     */
    volatile CountDownLatch readsWaitForDrain;
    /** The byte every read returns. */
    volatile byte pattern = 0x5a;
    final AtomicInteger readsDone = new AtomicInteger();
    final AtomicInteger drainBegins = new AtomicInteger();

    /** What {@link #beforeOpen} runs. */
    @FunctionalInterface
    interface OpenHook {
        void run() throws BlockException;
    }

    TestDriver(String name) {
        this.name = name;
    }

    /** A driver with the {@link GetLength} capability: {@link #coGetLength} answers {@link #length}. */
    static TestDriver withGetLength(String name) {
        return new Measured(name);
    }

    private static final class Measured extends TestDriver implements GetLength {
        Measured(String name) {
            super(name);
        }
    }

    @Override
    public String formatName() {
        return name;
    }

    @Override
    public String protocolName() {
        return protocol ? name : null;
    }

    @Override
    public boolean hasVariableLength() {
        return variableLength;
    }

    @Override
    public boolean isFilter() {
        return filter;
    }

    @Override
    public boolean filteredChildIsBacking() {
        return filteredChildIsBacking;
    }

    @Override
    public void open(DriverNode bs, BlockOptions options, int flags) throws BlockException {
        if (beforeOpen != null) {
            beforeOpen.run();
        }
        lastOpened = bs;
        options.takeString("filename");
        if (ownOption != null) {
            options.takeString(ownOption);
        }
        bs.setOpaque("state of " + bs.nodeName());
        if (openChildFile) {
            try {
                lastFile = bs.openChild(options, "file", fileRoles, false);
            } catch (BlockException e) {
                if (!fileChildOptional) {
                    throw e;
                }
                childFailure = e;
            }
        }
        if (openChildCow) {
            bs.openChild(options, "backing", EnumSet.of(ChildRole.COW), false);
        }
        if (openError != null) {
            throw openError;
        }
        if (openFailure != null) {
            throw openFailure;
        }
        if (openBug != null) {
            throw openBug;
        }
        if (sg) {
            bs.setSg(true);
        }
        if (totalSectorsAtOpen >= 0) {
            bs.setTotalSectors(totalSectorsAtOpen);
        }
    }

    @Override
    public void close(DriverNode bs) {
        closeCalls.incrementAndGet();
    }

    /** The getlength of {@link #withGetLength} drivers. */
    public long coGetLength(DriverNode bs) throws BlockException {
        getLengthCalls.incrementAndGet();
        lastGetLengthInCoroutine = Coroutine.inCoroutine();
        lastGetLengthContext = EventLoop.currentOrNull();
        if (lengthError != null) {
            throw lengthError;
        }
        return length;
    }

    @Override
    public void coPreadv(DriverNode bs, long offset, ByteBuffer buf, int flags) throws BlockException {
        if (readError != null) {
            throw readError;
        }
        if (bs.opaque(String.class) == null) {
            throw new BlockException(Errno.EBADF, bs.nodeName(), name, "the node is not open");
        }
        long delay = readDelayMillis;
        CountDownLatch gate = readsWaitForDrain;
        if (delay > 0 || gate != null) {
            try {
                bs.aioContext().threadPool().run(() -> {
                    if (gate != null) {
                        try {
                            gate.await(10, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(delay);
                    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
                        LockSupport.parkNanos(left);
                    }
                    return null;
                });
            } catch (IOException e) {
                throw new BlockException(Errno.EIO, e.toString());
            }
        }
        lastReadContext = EventLoop.currentOrNull();
        while (buf.hasRemaining()) {
            buf.put(pattern);
        }
        readsDone.incrementAndGet();
    }

    @Override
    public void drainBegin(DriverNode bs) {
        drainBegins.incrementAndGet();
        CountDownLatch gate = readsWaitForDrain;
        if (gate != null) {
            gate.countDown();
        }
    }

    static BlockException eio() {
        return new BlockException(Errno.EIO, "injected I/O error");
    }
}
