package org.blocklayer.posix.internal;

import static org.blocklayer.posix.internal.UringAbi.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

import org.blocklayer.posix.PosixException;

/**
 * One io_uring instance with its two rings mapped into this process (liburing's {@code struct io_uring}): SQEs are
 * filled in place and published by a release store of the SQ tail, CQEs are read after an acquire load of the CQ
 * tail and given back by a release store of the CQ head, the orderings the kernel pairs with. Not thread-safe: its
 * owner, one event loop's thread, prepares, submits and reaps; only {@link #fd()} and the eventfd are shared.
 */
public final class Ring {
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();
    private static final int NEEDED_FEATURES = FEAT_SINGLE_MMAP | FEAT_NODROP | FEAT_SUBMIT_STABLE;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    /**
     * errno's place for this ring's calls: memory of {@link #arena}, seen through a view without a session, since a
     * shared session's acquire and release around every downcall cost more than the submission's own bookkeeping.
     * Only used before {@link #close()} frees it.
     */
    private final MemorySegment capture = unscoped(arena.allocate(Libc.CAPTURE_LAYOUT));
    private final MemorySegment ring;
    private final long ringSize;
    private final MemorySegment sqes;
    private final long sqesSize;
    private final int sqHead, sqTail, sqArray, sqMask, sqEntries;
    private final int cqHead, cqTail, cqCqes, cqFlags, cqMask;
    /** The SQ tail as filled here; {@link #submitted} is what the kernel was told of. */
    private int tail;
    private int submitted;
    private boolean closed;

    private Ring(int fd, MemorySegment params, MemorySegment ring, long ringSize, MemorySegment sqes, long sqesSize) {
        this.fd = fd;
        this.ring = ring;
        this.ringSize = ringSize;
        this.sqes = sqes;
        this.sqesSize = sqesSize;
        this.sqHead = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_HEAD);
        this.sqTail = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_TAIL);
        this.sqArray = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_ARRAY);
        this.sqMask = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_RING_MASK));
        this.sqEntries = ring.get(ValueLayout.JAVA_INT,
                params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_RING_ENTRIES));
        this.cqHead = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_HEAD);
        this.cqTail = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_TAIL);
        this.cqCqes = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_CQES);
        this.cqFlags = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_FLAGS);
        this.cqMask = ring.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_RING_MASK));
        this.tail = (int) INT.getAcquire(ring, (long) sqTail);
        this.submitted = tail;
    }

    /**
     * {@code io_uring_queue_init}: a ring of {@code entries} submissions (and twice as many completions), or the
     * failure: {@code failed to init linux io_uring ring: <strerror>} with the errno of io_uring_setup (ENOSYS: no
     * io_uring here, EPERM: kernel.io_uring_disabled or a policy), mmap, or a kernel without what is needed
     * (EOPNOTSUPP naming it).
     */
    public static Ring setup(int entries) throws PosixException {
        if (UringCalls.UNAVAILABLE != null) {
            throw new PosixException(95, "failed to init linux io_uring ring: " + UringCalls.UNAVAILABLE);
        }
        try (Syscall call = new Syscall()) {
            MemorySegment params = call.arena().allocate(PARAMS_SIZE, 8);
            int fd = UringCalls.setup(call.capture(), entries, params);
            if (fd < 0) {
                int errno = call.errno();
                throw new PosixException(errno, "failed to init linux io_uring ring: " + PosixException.strerror(errno));
            }
            Ring r;
            try {
                int features = params.get(ValueLayout.JAVA_INT, P_FEATURES);
                if ((features & NEEDED_FEATURES) != NEEDED_FEATURES) {
                    throw new PosixException(95, "failed to init linux io_uring ring: the kernel's io_uring lacks"
                            + " single mmap, no-drop or stable submissions (features 0x" + Integer.toHexString(features)
                            + "; Linux 5.5 or later has them)");
                }
                int sqEntries = params.get(ValueLayout.JAVA_INT, P_SQ_ENTRIES);
                int cqEntries = params.get(ValueLayout.JAVA_INT, P_CQ_ENTRIES);
                long sqSize = params.get(ValueLayout.JAVA_INT, P_SQ_OFF + SQ_ARRAY) + 4L * sqEntries;
                long cqSize = params.get(ValueLayout.JAVA_INT, P_CQ_OFF + CQ_CQES) + (long) CQE_SIZE * cqEntries;
                long ringSize = Math.max(sqSize, cqSize);
                MemorySegment ring = map(call, fd, ringSize, OFF_SQ_RING);
                long sqesSize = (long) SQE_SIZE * sqEntries;
                MemorySegment sqes;
                try {
                    sqes = map(call, fd, sqesSize, OFF_SQES);
                } catch (PosixException e) {
                    UringCalls.munmap(call.capture(), ring, ringSize);
                    throw e;
                }
                r = new Ring(fd, params, ring, ringSize, sqes, sqesSize);
            } catch (PosixException | RuntimeException e) {
                Libc.close(call.capture(), fd);
                throw e;
            }
            try {
                r.requireOps(OP_READ, OP_WRITE, OP_FSYNC);
            } catch (PosixException | RuntimeException e) {
                r.close();
                throw e;
            }
            return r;
        }
    }

    private static MemorySegment unscoped(MemorySegment m) {
        return MemorySegment.ofAddress(m.address()).reinterpret(m.byteSize());
    }

    private static MemorySegment map(Syscall call, int fd, long size, long offset) throws PosixException {
        MemorySegment m = UringCalls.mmap(call.capture(), size, fd, offset);
        if (m.address() == -1L) {
            int errno = call.errno();
            throw new PosixException(errno, "failed to init linux io_uring ring: mmap: " + PosixException.strerror(errno));
        }
        return m.reinterpret(size);
    }

    /** {@code io_uring_get_probe}: EOPNOTSUPP unless the kernel supports every opcode in {@code ops}. */
    private void requireOps(int... ops) throws PosixException {
        MemorySegment probe = arena.allocate(PROBE_SIZE, 8);
        if (UringCalls.register(capture, fd, REGISTER_PROBE, probe, PROBE_OPS) < 0) {
            int errno = Libc.errno(capture);
            throw new PosixException(95, "failed to init linux io_uring ring: the kernel cannot list its io_uring"
                    + " operations (" + PosixException.strerror(errno) + "; Linux 5.6 or later can)");
        }
        for (int op : ops) {
            int flags = Short.toUnsignedInt(probe.get(ValueLayout.JAVA_SHORT, 16 + op * 8L + 2));
            if ((flags & PROBE_OP_SUPPORTED) == 0) {
                throw new PosixException(95, "failed to init linux io_uring ring: the kernel's io_uring lacks"
                        + " operation " + op + " (Linux 5.6 or later has read, write and fsync)");
            }
        }
    }

    public int fd() {
        return fd;
    }

    /** How many SQEs can still be filled before a submission must make room. */
    public int freeSqes() {
        return sqEntries - (tail - (int) INT.getAcquire(ring, (long) sqHead));
    }

    /** SQEs filled and not yet submitted. */
    public int pending() {
        return tail - submitted;
    }

    /**
     * {@code io_uring_prep_rw}: fills the next SQE; the caller checked {@link #freeSqes()}. {@code addr} is the
     * native address of the data, which must stay where it is until the completion.
     */
    public void prepRw(int op, int file, long addr, int len, long offset, long userData) {
        long s = fill(op, file, userData);
        sqes.set(ValueLayout.JAVA_LONG, s + SQE_OFF, offset);
        sqes.set(ValueLayout.JAVA_LONG, s + SQE_ADDR, addr);
        sqes.set(ValueLayout.JAVA_INT, s + SQE_LEN, len);
    }

    /** {@code io_uring_prep_fsync} with {@code flags} (0 or {@link UringAbi#FSYNC_DATASYNC}). */
    public void prepFsync(int file, int flags, long userData) {
        long s = fill(OP_FSYNC, file, userData);
        sqes.set(ValueLayout.JAVA_INT, s + SQE_RW_FLAGS, flags);
    }

    private long fill(int op, int file, long userData) {
        int index = tail & sqMask;
        long s = (long) index * SQE_SIZE;
        sqes.asSlice(s, SQE_SIZE).fill((byte) 0);
        sqes.set(ValueLayout.JAVA_BYTE, s + SQE_OPCODE, (byte) op);
        sqes.set(ValueLayout.JAVA_INT, s + SQE_FD, file);
        sqes.set(ValueLayout.JAVA_LONG, s + SQE_USER_DATA, userData);
        ring.set(ValueLayout.JAVA_INT, sqArray + 4L * index, index);
        tail++;
        return s;
    }

    /**
     * {@code io_uring_submit}: tells the kernel of every filled SQE, without waiting. Returns how many it took, or
     * -errno: EINTR and EAGAIN mean try again, EBUSY that completions must be reaped first.
     */
    public int submit() {
        int n = tail - submitted;
        if (n == 0) {
            return 0;
        }
        INT.setRelease(ring, (long) sqTail, tail);
        int taken = UringCalls.enterNoWait(capture, fd, n);
        if (taken < 0) {
            return -Libc.errno(capture);
        }
        submitted += taken;
        return taken;
    }

    /** Blocks until at least one completion is there (closing, with requests still in flight); -errno on failure. */
    public int waitForCompletion() {
        INT.setRelease(ring, (long) sqTail, tail);
        int r = UringCalls.enter(capture, fd, tail - submitted, 1, ENTER_GETEVENTS);
        if (r < 0) {
            return -Libc.errno(capture);
        }
        submitted += r;
        return r;
    }

    /** True when a completion waits to be reaped. */
    public boolean hasCompletions() {
        return (int) INT.getAcquire(ring, (long) cqTail) != (int) INT.get(ring, (long) cqHead);
    }

    /** {@code io_uring_for_each_cqe} + {@code io_uring_cq_advance}: hands each completion over; returns how many. */
    public int reap(Completions each) {
        int head = (int) INT.get(ring, (long) cqHead);
        int end = (int) INT.getAcquire(ring, (long) cqTail);
        int n = 0;
        while (head != end) {
            long c = cqCqes + (long) (head & cqMask) * CQE_SIZE;
            long userData = ring.get(ValueLayout.JAVA_LONG, c + CQE_USER_DATA);
            int res = ring.get(ValueLayout.JAVA_INT, c + CQE_RES);
            head++;
            // Given back before the callback runs: it may submit, and the kernel may post into the freed slot.
            INT.setRelease(ring, (long) cqHead, head);
            each.completed(userData, res);
            n++;
            if (head == end) {
                end = (int) INT.getAcquire(ring, (long) cqTail);
            }
        }
        return n;
    }

    /**
     * Sets or clears {@link UringAbi#CQ_EVENTFD_DISABLED}; a full fence follows, so a later check of the CQ sees what
     * was posted before the kernel read the flag.
     */
    public void eventfdDisabled(boolean disabled) {
        int f = (int) INT.get(ring, (long) cqFlags);
        INT.setVolatile(ring, (long) cqFlags, disabled ? f | CQ_EVENTFD_DISABLED : f & ~CQ_EVENTFD_DISABLED);
        VarHandle.fullFence();
    }

    /** {@code io_uring_register_eventfd}: completions write to {@code eventfd} (unless disabled in the CQ flags). */
    public void registerEventfd(int eventfd) throws PosixException {
        MemorySegment arg = arena.allocate(ValueLayout.JAVA_INT);
        arg.set(ValueLayout.JAVA_INT, 0, eventfd);
        if (UringCalls.register(capture, fd, REGISTER_EVENTFD, arg, 1) < 0) {
            int errno = Libc.errno(capture);
            throw new PosixException(errno, "io_uring_register(EVENTFD): " + PosixException.strerror(errno));
        }
    }

    /** {@code io_uring_queue_exit}: unmaps the rings and closes the ring's fd; the kernel cancels what is left. */
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        UringCalls.munmap(capture, sqes, sqesSize);
        UringCalls.munmap(capture, ring, ringSize);
        Libc.close(capture, fd);
        arena.close();
    }

    /** What a completion carries to its owner. */
    @FunctionalInterface
    public interface Completions {
        void completed(long userData, int res);
    }
}
