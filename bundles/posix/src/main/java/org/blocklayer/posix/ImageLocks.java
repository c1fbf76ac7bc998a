package org.blocklayer.posix;

import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;

/**
 * QEMU's image locking protocol (block/file-posix.c), through which QEMU processes sharing an image file learn each
 * other's permissions: a process holds a shared lock on byte 100+i for each permission bit i it has taken and on
 * byte 200+i for each permission it does not share (bits as in {@link Permission}). Before taking
 * permissions, it looks for another owner's lock on 200+i (someone does not share what it wants) and on 100+i
 * (someone uses what it does not share). All locks are shared ones, so taking them never fails because of another
 * process: only the test says no.
 *
 * <p>One instance per open image descriptor: it tracks the node's current permissions and which bytes are locked
 * ({@code BDRVRawState}'s {@code perm}, {@code shared_perm}, {@code locked_perm}, {@code locked_shared_perm}); a new
 * one has taken nothing and shares everything. The permission update runs in two phases as in QEMU:
 * {@link #prepare} (raw_check_perm), then {@link #commit} (raw_set_perm) or {@link #abort} (raw_abort_perm_update).
 * Closing the descriptor drops every lock; nothing here needs closing. Global-state code in QEMU; the methods are
 * synchronized only so that a misuse cannot tear the tracked bits.
 */
public final class ImageLocks {
    /** {@code RAW_LOCK_PERM_BASE}: byte 100+i is locked while permission bit i is taken. */
    public static final int PERM_BASE = 100;
    /** {@code RAW_LOCK_SHARED_BASE}: byte 200+i is locked while permission bit i is not shared. */
    public static final int SHARED_BASE = 200;

    private final Fd fd;
    private final String filename;
    private int perm;
    private int sharedPerm = Permission.ALL_MASK;
    private int lockedPerm;
    private int lockedSharedPerm;

    /** @param filename the image's name as the user gave it, for the hint ({@code bs->filename}) */
    public ImageLocks(Fd fd, String filename) {
        this.fd = fd;
        this.filename = filename;
    }

    /** {@code qemu_has_ofd_lock}: what {@code locking=auto} decides from; without OFD locks QEMU locks nothing. */
    public static boolean ofdLocksAvailable() {
        return ByteLocks.ofdAvailable();
    }

    /**
     * {@code raw_check_perm} ({@code raw_handle_perm_lock(RAW_PL_PREPARE)}): locks the bytes the node will need
     * for {@code newPerm}/{@code newShared}, keeping those it needs now, then checks that no other process stands in
     * the way. On failure the bytes are back as before; a check failure carries the hint
     * {@code Is another process using the image [FILENAME]?}. Does nothing when the update only gives up permissions
     * or shares more, since unlocking cannot conflict.
     */
    public synchronized void prepare(int newPerm, int newShared) throws ImageLockException {
        requireBits(newPerm, newShared);
        if ((perm | newPerm) == perm && (sharedPerm & newShared) == sharedPerm) {
            return;
        }
        ImageLockException failure;
        try {
            applyLockBytes(perm | newPerm, ~sharedPerm | ~newShared, false);
            try {
                checkLockBytes(newPerm, newShared);
                return;
            } catch (ImageLockException e) {
                failure = e.withHint(filename);
            }
        } catch (ImageLockException e) {
            failure = e;
        }
        ImageLockException unlockFailure = abort();
        if (unlockFailure != null) {
            failure.addSuppressed(unlockFailure); // QEMU only warns: the state stays as the failure left it
        }
        throw failure;
    }

    /**
     * {@code raw_set_perm} ({@code raw_handle_perm_lock(RAW_PL_COMMIT)}): the node now holds {@code newPerm} and
     * shares {@code newShared}; the bytes it no longer needs are unlocked. Returns the failure QEMU would only warn
     * about (an unlock that failed), or null.
     */
    public synchronized ImageLockException commit(int newPerm, int newShared) {
        requireBits(newPerm, newShared);
        ImageLockException warning = applyQuietly(newPerm, ~newShared);
        perm = newPerm;
        sharedPerm = newShared;
        return warning;
    }

    /**
     * {@code raw_abort_perm_update} ({@code raw_handle_perm_lock(RAW_PL_ABORT)}): drops what a {@link #prepare}
     * locked beyond the current permissions. Returns the failure QEMU would only warn about, or null.
     */
    public synchronized ImageLockException abort() {
        return applyQuietly(perm, ~sharedPerm);
    }

    /**
     * {@code raw_apply_lock_bytes}: locks byte 100+i for each bit in {@code permLockBits} and 200+i for each bit in
     * {@code sharedPermLockBits} (the permissions NOT shared) that is not locked yet; with {@code unlock}, also
     * unlocks the bytes of the bits that are locked but no longer asked for. Stops at the first failure, with the
     * bytes done so far tracked.
     */
    public synchronized void applyLockBytes(int permLockBits, int sharedPermLockBits, boolean unlock)
            throws ImageLockException {
        for (Permission p : Permission.values()) {
            lockedPerm = applyByte(PERM_BASE, p, permLockBits, lockedPerm, unlock);
        }
        for (Permission p : Permission.values()) {
            lockedSharedPerm = applyByte(SHARED_BASE, p, sharedPermLockBits, lockedSharedPerm, unlock);
        }
    }

    /**
     * {@code raw_apply_lock_bytes} with no state ({@code s == NULL}), for a descriptor whose locks nobody tracks, as
     * image creation uses it: without {@code unlock} every asked byte is locked, with it every other byte is
     * unlocked too.
     */
    public static void applyLockBytes(Fd fd, String filename, int permLockBits, int sharedPermLockBits,
            boolean unlock) throws ImageLockException {
        ImageLocks untracked = new ImageLocks(fd, filename);
        if (unlock) {
            untracked.lockedPerm = Permission.ALL_MASK;
            untracked.lockedSharedPerm = Permission.ALL_MASK;
        }
        untracked.applyLockBytes(permLockBits, sharedPermLockBits, unlock);
    }

    /**
     * {@code raw_check_lock_bytes}: for each permission in {@code perm}, whether another owner holds byte 200+i (it
     * does not share it): {@code Failed to get "write" lock}; for each permission not in {@code sharedPerm}, whether
     * another owner holds byte 100+i (it uses it): {@code Failed to get shared "write" lock}. EAGAIN, no hint.
     */
    public void checkLockBytes(int perm, int sharedPerm) throws ImageLockException {
        for (Permission p : Permission.values()) {
            if ((perm & p.mask()) != 0) {
                testByte(SHARED_BASE, p, "Failed to get \"" + p.qemuName() + "\" lock");
            }
        }
        for (Permission p : Permission.values()) {
            if ((sharedPerm & p.mask()) == 0) {
                testByte(PERM_BASE, p, "Failed to get shared \"" + p.qemuName() + "\" lock");
            }
        }
    }

    public synchronized int perm() {
        return perm;
    }

    public synchronized int sharedPerm() {
        return sharedPerm;
    }

    /** The permission bits whose byte 100+i this descriptor has locked. */
    public synchronized int lockedPerm() {
        return lockedPerm;
    }

    /** The permission bits whose byte 200+i this descriptor has locked. */
    public synchronized int lockedSharedPerm() {
        return lockedSharedPerm;
    }

    /** One byte of raw_apply_lock_bytes's loops: returns the locked bits as they are afterwards. */
    private int applyByte(int base, Permission p, int wanted, int locked, boolean unlock)
            throws ImageLockException {
        int bit = p.mask();
        int off = base + p.bitNumber();
        if ((wanted & bit) != 0 && (locked & bit) == 0) {
            try {
                ByteLocks.lock(fd, off, 1, false);
            } catch (PosixException e) {
                throw lockError(e.errnoValue(), "Failed to lock byte " + off, e);
            }
            return locked | bit;
        }
        if (unlock && (locked & bit) != 0 && (wanted & bit) == 0) {
            try {
                ByteLocks.unlock(fd, off, 1);
            } catch (PosixException e) {
                throw new ImageLockException(e.errno(), "Failed to unlock byte " + off + ": " + e.reason(), null, e);
            }
            return locked & ~bit;
        }
        return locked;
    }

    private void testByte(int base, Permission p, String message) throws ImageLockException {
        boolean held;
        try {
            held = ByteLocks.heldByOther(fd, base + p.bitNumber(), 1, true);
        } catch (PosixException e) {
            throw lockError(e.errnoValue(), message, e);
        }
        if (held) {
            throw lockError(Errno.EAGAIN.value(), message, null);
        }
    }

    /** COMMIT and ABORT only unlock, which QEMU does not expect to fail; if it does, it warns and goes on. */
    private ImageLockException applyQuietly(int permLockBits, int sharedPermLockBits) {
        try {
            applyLockBytes(permLockBits, sharedPermLockBits, true);
            return null;
        } catch (ImageLockException e) {
            return e;
        }
    }

    /**
     * {@code raw_lock_error_setg_errno}: EAGAIN and EACCES mean another process holds the range, the common case,
     * so the message leaves strerror out; any other errno is unexpected and is named.
     */
    private static ImageLockException lockError(int errno, String message, PosixException cause) {
        Errno e = Errno.of(errno);
        if (e == Errno.EAGAIN || e == Errno.EACCES) {
            return new ImageLockException(e, message, null, cause);
        }
        return new ImageLockException(e, message + ": " + PosixException.strerror(errno), null, cause);
    }

    private static void requireBits(int perm, int shared) {
        if (((perm | shared) & ~Permission.ALL_MASK) != 0) {
            throw new IllegalArgumentException("not a permission set: perm 0x" + Integer.toHexString(perm)
                    + ", shared 0x" + Integer.toHexString(shared));
        }
    }
}
