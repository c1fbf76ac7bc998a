package org.blocklayer.api.error;

/**
 * Linux errno values the block layer reports; where QEMU returns {@code -errno}, blocklayer throws a
 * {@link BlockException} carrying the same value.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    EBADF(9, "Bad file descriptor"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    EROFS(30, "Read-only file system"),
    ERANGE(34, "Numerical result out of range"),
    EPROTO(71, "Protocol error"),
    ENOTSUP(95, "Operation not supported"),
    ECONNRESET(104, "Connection reset by peer"),
    ESHUTDOWN(108, "Cannot send after transport endpoint shutdown"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused"),
    ENOMEDIUM(123, "No medium found"),
    ECANCELED(125, "Operation canceled");

    private final int value;
    private final String description;

    Errno(int value, String description) {
        this.value = value;
        this.description = description;
    }

    /** The positive Linux errno number. */
    public int value() {
        return value;
    }

    /** strerror(3) text. */
    public String description() {
        return description;
    }

    /** The Errno for a positive or negative errno number; EIO for numbers this enum does not name. */
    public static Errno of(int errno) {
        int v = Math.abs(errno);
        for (Errno e : values()) {
            if (e.value == v) {
                return e;
            }
        }
        return EIO;
    }
}
