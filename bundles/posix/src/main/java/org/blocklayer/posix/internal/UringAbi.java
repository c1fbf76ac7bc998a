package org.blocklayer.posix.internal;

/**
 * The io_uring ABI of include/uapi/linux/io_uring.h that the ring uses: system call numbers (the same on x86_64 and
 * aarch64, as for every system call added since 5.1), the offsets into {@code struct io_uring_params},
 * {@code struct io_uring_sqe} and {@code struct io_uring_cqe}, and the opcodes and flags.
 */
public final class UringAbi {
    public static final int SYS_SETUP = 425;
    public static final int SYS_ENTER = 426;
    public static final int SYS_REGISTER = 427;

    /** {@code sizeof(struct io_uring_params)}. */
    public static final int PARAMS_SIZE = 120;
    public static final int P_SQ_ENTRIES = 0;
    public static final int P_CQ_ENTRIES = 4;
    public static final int P_FLAGS = 8;
    public static final int P_FEATURES = 20;
    /** {@code struct io_sqring_offsets sq_off}. */
    public static final int P_SQ_OFF = 40;
    /** {@code struct io_cqring_offsets cq_off}. */
    public static final int P_CQ_OFF = 80;
    /** Within sq_off: head, tail, ring_mask, ring_entries, flags, dropped, array. */
    public static final int SQ_HEAD = 0;
    public static final int SQ_TAIL = 4;
    public static final int SQ_RING_MASK = 8;
    public static final int SQ_RING_ENTRIES = 12;
    public static final int SQ_ARRAY = 24;
    /** Within cq_off: head, tail, ring_mask, ring_entries, overflow, cqes, flags. */
    public static final int CQ_HEAD = 0;
    public static final int CQ_TAIL = 4;
    public static final int CQ_RING_MASK = 8;
    public static final int CQ_RING_ENTRIES = 12;
    public static final int CQ_CQES = 20;
    public static final int CQ_FLAGS = 24;

    /** {@code sizeof(struct io_uring_sqe)} and its fields. */
    public static final int SQE_SIZE = 64;
    public static final int SQE_OPCODE = 0;
    public static final int SQE_FLAGS = 1;
    public static final int SQE_IOPRIO = 2;
    public static final int SQE_FD = 4;
    public static final int SQE_OFF = 8;
    public static final int SQE_ADDR = 16;
    public static final int SQE_LEN = 24;
    public static final int SQE_RW_FLAGS = 28;
    public static final int SQE_USER_DATA = 32;
    public static final int SQE_BUF_INDEX = 40;
    public static final int SQE_PERSONALITY = 42;
    public static final int SQE_FILE_INDEX = 44;
    public static final int SQE_ADDR3 = 48;
    public static final int SQE_PAD = 56;

    /** {@code sizeof(struct io_uring_cqe)} and its fields. */
    public static final int CQE_SIZE = 16;
    public static final int CQE_USER_DATA = 0;
    public static final int CQE_RES = 8;

    /** mmap offsets of the rings and of the SQE array. */
    public static final long OFF_SQ_RING = 0L;
    public static final long OFF_CQ_RING = 0x8000000L;
    public static final long OFF_SQES = 0x10000000L;

    public static final int FEAT_SINGLE_MMAP = 1;
    public static final int FEAT_NODROP = 1 << 1;
    public static final int FEAT_SUBMIT_STABLE = 1 << 2;

    /** {@code IORING_CQ_EVENTFD_DISABLED}: no eventfd notification while set in the CQ ring's flags. */
    public static final int CQ_EVENTFD_DISABLED = 1;

    public static final int ENTER_GETEVENTS = 1;

    public static final int REGISTER_BUFFERS = 0;
    public static final int REGISTER_FILES = 2;
    public static final int REGISTER_EVENTFD = 4;
    public static final int REGISTER_PROBE = 8;

    public static final int OP_FSYNC = 3;
    public static final int OP_READ = 22;
    public static final int OP_WRITE = 23;
    /** {@code IORING_FSYNC_DATASYNC}: fdatasync rather than fsync. */
    public static final int FSYNC_DATASYNC = 1;

    /** {@code struct io_uring_probe} with room for every opcode, and {@code IO_URING_OP_SUPPORTED}. */
    public static final int PROBE_OPS = 256;
    public static final int PROBE_SIZE = 16 + PROBE_OPS * 8;
    public static final int PROBE_OP_SUPPORTED = 1;

    private UringAbi() {
    }
}
