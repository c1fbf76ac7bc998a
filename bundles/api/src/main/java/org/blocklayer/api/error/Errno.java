package org.blocklayer.api.error;

import java.io.Serial;
import java.io.Serializable;
import java.util.Optional;

/**
 * An errno: its number and, for every number Linux defines (x86_64 and aarch64 share them), a constant with its name
 * and glibc's strerror(3) text. Where QEMU returns {@code -errno}, blocklayer throws a {@link BlockException} carrying
 * the same value. A system call, an ioctl or a peer may report a number Linux has no name for: {@link #of} keeps such
 * a number as it is, never turns it into another errno, and describes it as glibc's strerror does
 * ({@code Unknown error 200}). Two Errnos are equal when their numbers are; a named one is always its constant, so
 * {@code ==} against a constant works.
 */
public final class Errno implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The named errnos by number, filled by {@link #named} as the constants below are made. */
    private static final Errno[] BY_NUMBER = new Errno[134];

    public static final Errno EPERM = named(1, "EPERM", "Operation not permitted");
    public static final Errno ENOENT = named(2, "ENOENT", "No such file or directory");
    public static final Errno ESRCH = named(3, "ESRCH", "No such process");
    public static final Errno EINTR = named(4, "EINTR", "Interrupted system call");
    public static final Errno EIO = named(5, "EIO", "Input/output error");
    public static final Errno ENXIO = named(6, "ENXIO", "No such device or address");
    public static final Errno E2BIG = named(7, "E2BIG", "Argument list too long");
    public static final Errno ENOEXEC = named(8, "ENOEXEC", "Exec format error");
    public static final Errno EBADF = named(9, "EBADF", "Bad file descriptor");
    public static final Errno ECHILD = named(10, "ECHILD", "No child processes");
    public static final Errno EAGAIN = named(11, "EAGAIN", "Resource temporarily unavailable");
    public static final Errno ENOMEM = named(12, "ENOMEM", "Cannot allocate memory");
    public static final Errno EACCES = named(13, "EACCES", "Permission denied");
    public static final Errno EFAULT = named(14, "EFAULT", "Bad address");
    public static final Errno ENOTBLK = named(15, "ENOTBLK", "Block device required");
    public static final Errno EBUSY = named(16, "EBUSY", "Device or resource busy");
    public static final Errno EEXIST = named(17, "EEXIST", "File exists");
    public static final Errno EXDEV = named(18, "EXDEV", "Invalid cross-device link");
    public static final Errno ENODEV = named(19, "ENODEV", "No such device");
    public static final Errno ENOTDIR = named(20, "ENOTDIR", "Not a directory");
    public static final Errno EISDIR = named(21, "EISDIR", "Is a directory");
    public static final Errno EINVAL = named(22, "EINVAL", "Invalid argument");
    public static final Errno ENFILE = named(23, "ENFILE", "Too many open files in system");
    public static final Errno EMFILE = named(24, "EMFILE", "Too many open files");
    public static final Errno ENOTTY = named(25, "ENOTTY", "Inappropriate ioctl for device");
    public static final Errno ETXTBSY = named(26, "ETXTBSY", "Text file busy");
    public static final Errno EFBIG = named(27, "EFBIG", "File too large");
    public static final Errno ENOSPC = named(28, "ENOSPC", "No space left on device");
    public static final Errno ESPIPE = named(29, "ESPIPE", "Illegal seek");
    public static final Errno EROFS = named(30, "EROFS", "Read-only file system");
    public static final Errno EMLINK = named(31, "EMLINK", "Too many links");
    public static final Errno EPIPE = named(32, "EPIPE", "Broken pipe");
    public static final Errno EDOM = named(33, "EDOM", "Numerical argument out of domain");
    public static final Errno ERANGE = named(34, "ERANGE", "Numerical result out of range");
    public static final Errno EDEADLK = named(35, "EDEADLK", "Resource deadlock avoided");
    public static final Errno ENAMETOOLONG = named(36, "ENAMETOOLONG", "File name too long");
    public static final Errno ENOLCK = named(37, "ENOLCK", "No locks available");
    public static final Errno ENOSYS = named(38, "ENOSYS", "Function not implemented");
    public static final Errno ENOTEMPTY = named(39, "ENOTEMPTY", "Directory not empty");
    public static final Errno ELOOP = named(40, "ELOOP", "Too many levels of symbolic links");
    public static final Errno ENOMSG = named(42, "ENOMSG", "No message of desired type");
    public static final Errno EIDRM = named(43, "EIDRM", "Identifier removed");
    public static final Errno ECHRNG = named(44, "ECHRNG", "Channel number out of range");
    public static final Errno EL2NSYNC = named(45, "EL2NSYNC", "Level 2 not synchronized");
    public static final Errno EL3HLT = named(46, "EL3HLT", "Level 3 halted");
    public static final Errno EL3RST = named(47, "EL3RST", "Level 3 reset");
    public static final Errno ELNRNG = named(48, "ELNRNG", "Link number out of range");
    public static final Errno EUNATCH = named(49, "EUNATCH", "Protocol driver not attached");
    public static final Errno ENOCSI = named(50, "ENOCSI", "No CSI structure available");
    public static final Errno EL2HLT = named(51, "EL2HLT", "Level 2 halted");
    public static final Errno EBADE = named(52, "EBADE", "Invalid exchange");
    public static final Errno EBADR = named(53, "EBADR", "Invalid request descriptor");
    public static final Errno EXFULL = named(54, "EXFULL", "Exchange full");
    public static final Errno ENOANO = named(55, "ENOANO", "No anode");
    public static final Errno EBADRQC = named(56, "EBADRQC", "Invalid request code");
    public static final Errno EBADSLT = named(57, "EBADSLT", "Invalid slot");
    public static final Errno EBFONT = named(59, "EBFONT", "Bad font file format");
    public static final Errno ENOSTR = named(60, "ENOSTR", "Device not a stream");
    public static final Errno ENODATA = named(61, "ENODATA", "No data available");
    public static final Errno ETIME = named(62, "ETIME", "Timer expired");
    public static final Errno ENOSR = named(63, "ENOSR", "Out of streams resources");
    public static final Errno ENONET = named(64, "ENONET", "Machine is not on the network");
    public static final Errno ENOPKG = named(65, "ENOPKG", "Package not installed");
    public static final Errno EREMOTE = named(66, "EREMOTE", "Object is remote");
    public static final Errno ENOLINK = named(67, "ENOLINK", "Link has been severed");
    public static final Errno EADV = named(68, "EADV", "Advertise error");
    public static final Errno ESRMNT = named(69, "ESRMNT", "Srmount error");
    public static final Errno ECOMM = named(70, "ECOMM", "Communication error on send");
    public static final Errno EPROTO = named(71, "EPROTO", "Protocol error");
    public static final Errno EMULTIHOP = named(72, "EMULTIHOP", "Multihop attempted");
    public static final Errno EDOTDOT = named(73, "EDOTDOT", "RFS specific error");
    public static final Errno EBADMSG = named(74, "EBADMSG", "Bad message");
    public static final Errno EOVERFLOW = named(75, "EOVERFLOW", "Value too large for defined data type");
    public static final Errno ENOTUNIQ = named(76, "ENOTUNIQ", "Name not unique on network");
    public static final Errno EBADFD = named(77, "EBADFD", "File descriptor in bad state");
    public static final Errno EREMCHG = named(78, "EREMCHG", "Remote address changed");
    public static final Errno ELIBACC = named(79, "ELIBACC", "Can not access a needed shared library");
    public static final Errno ELIBBAD = named(80, "ELIBBAD", "Accessing a corrupted shared library");
    public static final Errno ELIBSCN = named(81, "ELIBSCN", ".lib section in a.out corrupted");
    public static final Errno ELIBMAX = named(82, "ELIBMAX", "Attempting to link in too many shared libraries");
    public static final Errno ELIBEXEC = named(83, "ELIBEXEC", "Cannot exec a shared library directly");
    public static final Errno EILSEQ = named(84, "EILSEQ", "Invalid or incomplete multibyte or wide character");
    public static final Errno ERESTART = named(85, "ERESTART", "Interrupted system call should be restarted");
    public static final Errno ESTRPIPE = named(86, "ESTRPIPE", "Streams pipe error");
    public static final Errno EUSERS = named(87, "EUSERS", "Too many users");
    public static final Errno ENOTSOCK = named(88, "ENOTSOCK", "Socket operation on non-socket");
    public static final Errno EDESTADDRREQ = named(89, "EDESTADDRREQ", "Destination address required");
    public static final Errno EMSGSIZE = named(90, "EMSGSIZE", "Message too long");
    public static final Errno EPROTOTYPE = named(91, "EPROTOTYPE", "Protocol wrong type for socket");
    public static final Errno ENOPROTOOPT = named(92, "ENOPROTOOPT", "Protocol not available");
    public static final Errno EPROTONOSUPPORT = named(93, "EPROTONOSUPPORT", "Protocol not supported");
    public static final Errno ESOCKTNOSUPPORT = named(94, "ESOCKTNOSUPPORT", "Socket type not supported");
    public static final Errno ENOTSUP = named(95, "ENOTSUP", "Operation not supported");
    public static final Errno EPFNOSUPPORT = named(96, "EPFNOSUPPORT", "Protocol family not supported");
    public static final Errno EAFNOSUPPORT = named(97, "EAFNOSUPPORT", "Address family not supported by protocol");
    public static final Errno EADDRINUSE = named(98, "EADDRINUSE", "Address already in use");
    public static final Errno EADDRNOTAVAIL = named(99, "EADDRNOTAVAIL", "Cannot assign requested address");
    public static final Errno ENETDOWN = named(100, "ENETDOWN", "Network is down");
    public static final Errno ENETUNREACH = named(101, "ENETUNREACH", "Network is unreachable");
    public static final Errno ENETRESET = named(102, "ENETRESET", "Network dropped connection on reset");
    public static final Errno ECONNABORTED = named(103, "ECONNABORTED", "Software caused connection abort");
    public static final Errno ECONNRESET = named(104, "ECONNRESET", "Connection reset by peer");
    public static final Errno ENOBUFS = named(105, "ENOBUFS", "No buffer space available");
    public static final Errno EISCONN = named(106, "EISCONN", "Transport endpoint is already connected");
    public static final Errno ENOTCONN = named(107, "ENOTCONN", "Transport endpoint is not connected");
    public static final Errno ESHUTDOWN = named(108, "ESHUTDOWN", "Cannot send after transport endpoint shutdown");
    public static final Errno ETOOMANYREFS = named(109, "ETOOMANYREFS", "Too many references: cannot splice");
    public static final Errno ETIMEDOUT = named(110, "ETIMEDOUT", "Connection timed out");
    public static final Errno ECONNREFUSED = named(111, "ECONNREFUSED", "Connection refused");
    public static final Errno EHOSTDOWN = named(112, "EHOSTDOWN", "Host is down");
    public static final Errno EHOSTUNREACH = named(113, "EHOSTUNREACH", "No route to host");
    public static final Errno EALREADY = named(114, "EALREADY", "Operation already in progress");
    public static final Errno EINPROGRESS = named(115, "EINPROGRESS", "Operation now in progress");
    public static final Errno ESTALE = named(116, "ESTALE", "Stale file handle");
    public static final Errno EUCLEAN = named(117, "EUCLEAN", "Structure needs cleaning");
    public static final Errno ENOTNAM = named(118, "ENOTNAM", "Not a XENIX named type file");
    public static final Errno ENAVAIL = named(119, "ENAVAIL", "No XENIX semaphores available");
    public static final Errno EISNAM = named(120, "EISNAM", "Is a named type file");
    public static final Errno EREMOTEIO = named(121, "EREMOTEIO", "Remote I/O error");
    public static final Errno EDQUOT = named(122, "EDQUOT", "Disk quota exceeded");
    public static final Errno ENOMEDIUM = named(123, "ENOMEDIUM", "No medium found");
    public static final Errno EMEDIUMTYPE = named(124, "EMEDIUMTYPE", "Wrong medium type");
    public static final Errno ECANCELED = named(125, "ECANCELED", "Operation canceled");
    public static final Errno ENOKEY = named(126, "ENOKEY", "Required key not available");
    public static final Errno EKEYEXPIRED = named(127, "EKEYEXPIRED", "Key has expired");
    public static final Errno EKEYREVOKED = named(128, "EKEYREVOKED", "Key has been revoked");
    public static final Errno EKEYREJECTED = named(129, "EKEYREJECTED", "Key was rejected by service");
    public static final Errno EOWNERDEAD = named(130, "EOWNERDEAD", "Owner died");
    public static final Errno ENOTRECOVERABLE = named(131, "ENOTRECOVERABLE", "State not recoverable");
    public static final Errno ERFKILL = named(132, "ERFKILL", "Operation not possible due to RF-kill");
    public static final Errno EHWPOISON = named(133, "EHWPOISON", "Memory page has hardware error");

    private final int value;
    private final transient String name;
    private final transient String description;

    private Errno(int value, String name, String description) {
        this.value = value;
        this.name = name;
        this.description = description;
    }

    private static Errno named(int value, String name, String description) {
        Errno errno = new Errno(value, name, description);
        BY_NUMBER[value] = errno;
        return errno;
    }

    /** The positive errno number. */
    public int value() {
        return value;
    }

    /**
     * The symbolic name ({@code ENOENT}), or {@code errno N} for a number Linux has no name for: what the shell shows
     * after a message.
     */
    public String name() {
        return name;
    }

    /** strerror(3)'s text: glibc's for a named errno, {@code Unknown error N} for any other number. */
    public String description() {
        return description;
    }

    /** Whether Linux has a name for this number. */
    public boolean isNamed() {
        return find(value).isPresent();
    }

    /** The named Errno for a positive or negative errno number, if Linux has one with that number. */
    public static Optional<Errno> find(int errno) {
        int v = Math.abs(errno);
        return v > 0 && v < BY_NUMBER.length ? Optional.ofNullable(BY_NUMBER[v]) : Optional.empty();
    }

    /**
     * The Errno for a positive or negative errno number as a failing call reported it: its constant when Linux names
     * the number, else an Errno that carries the number.
     *
     * @throws IllegalArgumentException for 0, which is no error, and for {@link Integer#MIN_VALUE}, which has no
     *                                  positive counterpart
     */
    public static Errno of(int errno) {
        if (errno == 0 || errno == Integer.MIN_VALUE) {
            throw new IllegalArgumentException("not an errno: " + errno);
        }
        int v = Math.abs(errno);
        return find(v).orElseGet(() -> new Errno(v, "errno " + v, "Unknown error " + v));
    }

    /** A deserialized named errno is its constant again, and an unnamed one gets its texts back. */
    @Serial
    private Object readResolve() {
        return of(value);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Errno other && other.value == value;
    }

    @Override
    public int hashCode() {
        return value;
    }

    /** The {@link #name()}. */
    @Override
    public String toString() {
        return name;
    }
}
