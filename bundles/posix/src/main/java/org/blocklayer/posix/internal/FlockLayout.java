package org.blocklayer.posix.internal;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * {@code struct flock} (asm-generic/fcntl.h) and the fcntl(2) lock commands. On x86_64 and aarch64 {@code off_t} is
 * 64 bits, so the struct and the command numbers are the same on both: two shorts, padding to 8, two longs, the pid,
 * padding to 32 bytes.
 */
public final class FlockLayout {

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_SHORT.withName("l_type"),
            JAVA_SHORT.withName("l_whence"),
            MemoryLayout.paddingLayout(4),
            JAVA_LONG.withName("l_start"),
            JAVA_LONG.withName("l_len"),
            JAVA_INT.withName("l_pid"),
            MemoryLayout.paddingLayout(4));

    public static final long TYPE = offset("l_type");
    public static final long WHENCE = offset("l_whence");
    public static final long START = offset("l_start");
    public static final long LEN = offset("l_len");
    public static final long PID = offset("l_pid");

    /** Process-associated locks: every descriptor of the process shares them, and any close drops them. */
    public static final int F_GETLK = 5;
    public static final int F_SETLK = 6;
    /** Open file description locks (Linux 3.15): owned by the open file, so two opens in one process conflict. */
    public static final int F_OFD_GETLK = 36;
    public static final int F_OFD_SETLK = 37;

    public static final short F_RDLCK = 0;
    public static final short F_WRLCK = 1;
    public static final short F_UNLCK = 2;
    public static final short SEEK_SET = 0;

    private FlockLayout() {
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }
}
