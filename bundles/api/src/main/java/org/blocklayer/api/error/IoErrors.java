package org.blocklayer.api.error;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the JDK's I/O exceptions back into the errno the system call failed with, so drivers report what QEMU
 * would. The JDK never hands out the errno itself: code that can make the call through FFM (the posix bundle's
 * {@code Posix}) gets the real number and has no need of this class. For the rest, the exception's type says it
 * where the JDK has a type for it ({@link NoSuchFileException}, {@link FileSystemLoopException}...); otherwise its
 * text is strerror(3)'s, which names exactly one errno, or one of the few texts the JDK writes itself.
 */
public final class IoErrors {
    /** Texts the JDK's socket code writes instead of strerror's. */
    private static final Map<String, Errno> JDK_TEXTS = Map.of(
            "Connection reset", Errno.ECONNRESET,
            "Unix domain path too long", Errno.ENAMETOOLONG,
            "Socket closed", Errno.EBADF);

    private IoErrors() {
    }

    /** The errno behind {@code e}; EIO when neither its type nor its text names one. */
    public static Errno errnoOf(IOException e) {
        return find(e).orElse(Errno.EIO);
    }

    /**
     * A BlockException for {@code e}: {@code what: <strerror>} when the errno is known; otherwise EIO with the
     * JDK's own text, which says more than "Input/output error" would.
     */
    public static BlockException toBlockException(String what, IOException e) {
        Optional<Errno> errno = find(e);
        String text = errno.map(Errno::description).orElseGet(() -> text(e) == null ? e.toString() : text(e));
        return new BlockException(errno.orElse(Errno.EIO), what + ": " + text, e);
    }

    private static Optional<Errno> find(IOException e) {
        Errno byType = byType(e);
        return byType != null ? Optional.of(byType) : byText(text(e)).or(() -> Optional.ofNullable(byFallbackType(e)));
    }

    private static Errno byType(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> Errno.ENOENT;
            case AccessDeniedException _ -> Errno.EACCES;
            case FileAlreadyExistsException _ -> Errno.EEXIST;
            case NotDirectoryException _ -> Errno.ENOTDIR;
            case DirectoryNotEmptyException _ -> Errno.ENOTEMPTY;
            case FileSystemLoopException _ -> Errno.ELOOP;
            case NotLinkException _ -> Errno.EINVAL;
            case ClosedChannelException _ -> Errno.EBADF;
            case SocketTimeoutException _ -> Errno.ETIMEDOUT;
            case NoRouteToHostException _ -> Errno.EHOSTUNREACH;
            case PortUnreachableException _ -> Errno.ECONNREFUSED;
            default -> null;
        };
    }

    /** Types the JDK uses for more than one errno: their text decides first, the type only when it cannot. */
    private static Errno byFallbackType(IOException e) {
        return e instanceof ConnectException ? Errno.ECONNREFUSED : null;
    }

    /**
     * The errno whose strerror text {@code text} is, or begins with and then goes on after a space (the JDK writes
     * ELOOP as "Too many levels of symbolic links or unable to access attributes of symbolic link").
     */
    static Optional<Errno> byText(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Errno jdk = JDK_TEXTS.get(text);
        if (jdk != null) {
            return Optional.of(jdk);
        }
        Errno best = null;
        for (Errno errno : Errno.values()) {
            String d = errno.description();
            boolean matches = text.equals(d) || text.startsWith(d + " ");
            if (matches && (best == null || d.length() > best.description().length())) {
                best = errno;
            }
        }
        return Optional.ofNullable(best);
    }

    /** What the exception says about the failure: a file system exception's reason without the file names. */
    private static String text(IOException e) {
        return e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
    }
}
