package org.blocklayer.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;

import org.blocklayer.posix.internal.FlockLayout;
import org.blocklayer.posix.internal.Libc;
import org.blocklayer.posix.internal.Syscall;

/**
 * Byte-range locks on an open file, QEMU's util/osdep.c {@code qemu_lock_fd}, {@code qemu_unlock_fd} and
 * {@code qemu_lock_fd_test}. They are open file description locks where the kernel has them (Linux 3.15 on): owned
 * by the open file, not the process, so closing another descriptor of the same file keeps them, and a second open
 * in this same process sees them as another owner's, exactly as another process would. Without them QEMU falls back
 * to process-associated locks, and so does this class.
 */
final class ByteLocks {
    private static final int EINTR = 4;

    private ByteLocks() {
    }

    /** {@code qemu_has_ofd_lock}: whether the kernel has OFD locks (probed once, as QEMU probes, on /dev/null). */
    static boolean ofdAvailable() {
        return Commands.SETLK == FlockLayout.F_OFD_SETLK;
    }

    /** {@code qemu_lock_fd}: a shared (read) or exclusive (write) lock on {@code len} bytes from {@code start}. */
    static void lock(Fd fd, long start, long len, boolean exclusive) throws PosixException {
        set(fd, start, len, exclusive ? FlockLayout.F_WRLCK : FlockLayout.F_RDLCK);
    }

    /** {@code qemu_unlock_fd}. */
    static void unlock(Fd fd, long start, long len) throws PosixException {
        set(fd, start, len, FlockLayout.F_UNLCK);
    }

    /**
     * {@code qemu_lock_fd_test}: whether another owner holds a lock that the given one would conflict with. The
     * locks of {@code fd} itself never count.
     */
    static boolean heldByOther(Fd fd, long start, long len, boolean exclusive) throws PosixException {
        int n = fd.acquire("fcntl(F_GETLK)");
        try (Syscall call = Posix.begin("fcntl(F_GETLK)", fd.path())) {
            MemorySegment fl = flock(call, start, len, exclusive ? FlockLayout.F_WRLCK : FlockLayout.F_RDLCK);
            if (Libc.fcntl(call.capture(), n, Commands.GETLK, fl) != 0) {
                throw PosixException.of(call.errno(), "fcntl(F_GETLK)", fd.path());
            }
            // The kernel answers F_UNLCK when the lock could be placed, else describes the conflicting one.
            return fl.get(JAVA_SHORT, FlockLayout.TYPE) != FlockLayout.F_UNLCK;
        } finally {
            fd.release();
        }
    }

    /** F_SETLK never waits; restarted on EINTR as QEMU's loop does. EAGAIN or EACCES: another owner conflicts. */
    private static void set(Fd fd, long start, long len, short type) throws PosixException {
        int n = fd.acquire("fcntl(F_SETLK)");
        try (Syscall call = Posix.begin("fcntl(F_SETLK)", fd.path())) {
            MemorySegment fl = flock(call, start, len, type);
            while (Libc.fcntl(call.capture(), n, Commands.SETLK, fl) != 0) {
                if (call.errno() != EINTR) {
                    throw PosixException.of(call.errno(), "fcntl(F_SETLK)", fd.path());
                }
            }
        } finally {
            fd.release();
        }
    }

    /** A {@code struct flock} from the start of the file; l_pid stays 0, which OFD commands require. */
    private static MemorySegment flock(Syscall call, long start, long len, short type) {
        MemorySegment fl = call.arena().allocate(FlockLayout.LAYOUT);
        fl.set(JAVA_SHORT, FlockLayout.TYPE, type);
        fl.set(JAVA_SHORT, FlockLayout.WHENCE, FlockLayout.SEEK_SET);
        fl.set(JAVA_LONG, FlockLayout.START, start);
        fl.set(JAVA_LONG, FlockLayout.LEN, len);
        fl.set(JAVA_INT, FlockLayout.PID, 0);
        return fl;
    }

    /**
     * {@code qemu_probe_lock_ops}: the OFD commands if F_OFD_GETLK works on /dev/null, else the process-associated
     * ones. A holder class, so the probe runs on first use and once.
     */
    private static final class Commands {
        static final int SETLK;
        static final int GETLK;

        static {
            boolean ofd = false;
            if (Libc.UNAVAILABLE == null) {
                try (Fd devNull = Posix.open("/dev/null", Posix.O_RDWR); Syscall call = new Syscall()) {
                    MemorySegment fl = flock(call, 0, 0, FlockLayout.F_WRLCK);
                    ofd = Libc.fcntl(call.capture(), devNull.number(), FlockLayout.F_OFD_GETLK, fl) == 0;
                } catch (PosixException e) {
                    ofd = false; // as QEMU: no /dev/null, no probe, POSIX locks
                }
            }
            SETLK = ofd ? FlockLayout.F_OFD_SETLK : FlockLayout.F_SETLK;
            GETLK = ofd ? FlockLayout.F_OFD_GETLK : FlockLayout.F_GETLK;
        }
    }
}
