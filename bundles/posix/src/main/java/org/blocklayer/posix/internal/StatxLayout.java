package org.blocklayer.posix.internal;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;

/**
 * {@code struct statx} (linux/stat.h). stat/fstat go through statx(2) because its layout is the same on every Linux
 * architecture, while {@code struct stat} differs between x86_64 and aarch64, and it reports the device numbers of
 * {@code st_rdev} already split into major and minor.
 */
public final class StatxLayout {

    private static final StructLayout TIMESTAMP = MemoryLayout.structLayout(
            JAVA_LONG.withName("tv_sec"), JAVA_INT.withName("tv_nsec"), JAVA_INT.withName("__reserved"));

    public static final StructLayout LAYOUT = MemoryLayout.structLayout(
            JAVA_INT.withName("stx_mask"),
            JAVA_INT.withName("stx_blksize"),
            JAVA_LONG.withName("stx_attributes"),
            JAVA_INT.withName("stx_nlink"),
            JAVA_INT.withName("stx_uid"),
            JAVA_INT.withName("stx_gid"),
            JAVA_SHORT.withName("stx_mode"),
            JAVA_SHORT.withName("__spare0"),
            JAVA_LONG.withName("stx_ino"),
            JAVA_LONG.withName("stx_size"),
            JAVA_LONG.withName("stx_blocks"),
            JAVA_LONG.withName("stx_attributes_mask"),
            TIMESTAMP.withName("stx_atime"),
            TIMESTAMP.withName("stx_btime"),
            TIMESTAMP.withName("stx_ctime"),
            TIMESTAMP.withName("stx_mtime"),
            JAVA_INT.withName("stx_rdev_major"),
            JAVA_INT.withName("stx_rdev_minor"),
            JAVA_INT.withName("stx_dev_major"),
            JAVA_INT.withName("stx_dev_minor"),
            MemoryLayout.paddingLayout(256 - 144));

    public static final long MASK = offset("stx_mask");
    public static final long MODE = offset("stx_mode");
    public static final long SIZE = offset("stx_size");
    public static final long RDEV_MAJOR = offset("stx_rdev_major");
    public static final long RDEV_MINOR = offset("stx_rdev_minor");

    /** {@code AT_FDCWD}: a relative path is relative to the working directory. */
    public static final int AT_FDCWD = -100;
    /** {@code AT_EMPTY_PATH}: with an empty path, statx describes the dirfd itself (fstat). */
    public static final int AT_EMPTY_PATH = 0x1000;
    /** {@code STATX_TYPE | STATX_MODE}. */
    public static final int STATX_TYPE_MODE = 0x0003;
    /** {@code STATX_BASIC_STATS}: what stat(2) returns. */
    public static final int STATX_BASIC_STATS = 0x07ff;

    private StatxLayout() {
    }

    private static long offset(String field) {
        return LAYOUT.byteOffset(groupElement(field));
    }
}
