package org.blocklayer.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.blocklayer.api.graph.Permission.CONSISTENT_READ;
import static org.blocklayer.api.graph.Permission.RESIZE;
import static org.blocklayer.api.graph.Permission.WRITE;
import static org.blocklayer.api.graph.Permission.WRITE_UNCHANGED;
import static org.blocklayer.api.graph.Permission.mask;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.posix.testing.ProcLocks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The locking protocol within one process: OFD locks belong to the open file, so a second open of the image in this
 * process is "another process" to the first, as QEMU's own iotests use it.
 */
class ImageLocksTest {
    private static final int ALL = Permission.ALL_MASK;

    @TempDir
    Path dir;
    private Path image;
    private Fd ours;
    private Fd theirs;

    @BeforeEach
    void open() throws Exception {
        image = Files.write(dir.resolve("a.img"), new byte[4096]);
        ours = Posix.open(image.toString(), Posix.O_RDWR);
        theirs = Posix.open(image.toString(), Posix.O_RDONLY);
    }

    @AfterEach
    void close() {
        ours.close();
        theirs.close();
    }

    /** The bytes among 100..103 and 200..203 that {@code theirs} sees locked by another owner. */
    private SortedSet<Integer> seenFromTheirs() throws PosixException {
        SortedSet<Integer> held = new TreeSet<>();
        for (int base : new int[] {100, 200}) {
            for (int i = 0; i < 4; i++) {
                if (ByteLocks.heldByOther(theirs, base + i, 1, true)) {
                    held.add(base + i);
                }
            }
        }
        return held;
    }

    @Test
    void permissionBitsAndNamesAreQemus() {
        assertThat(mask(CONSISTENT_READ)).isEqualTo(0x01);
        assertThat(mask(WRITE)).isEqualTo(0x02);
        assertThat(mask(WRITE_UNCHANGED)).isEqualTo(0x04);
        assertThat(mask(RESIZE)).isEqualTo(0x08);
        assertThat(Permission.names(ALL)).isEqualTo("consistent read, write, write unchanged, resize");
        assertThat(ImageLocks.ofdLocksAvailable()).isTrue();
    }

    @Test
    void applyLocksByte100PlusEachPermissionTakenAnd200PlusEachNotShared_B47() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());

        locks.applyLockBytes(mask(CONSISTENT_READ, WRITE), mask(WRITE), false);

        assertThat(seenFromTheirs()).containsExactly(100, 101, 201);
        assertThat(locks.lockedPerm()).isEqualTo(mask(CONSISTENT_READ, WRITE));
        assertThat(locks.lockedSharedPerm()).isEqualTo(mask(WRITE));
        // Shared locks: a reader elsewhere may take the same bytes.
        ByteLocks.lock(theirs, 100, 1, false);
        ByteLocks.lock(theirs, 201, 1, false);
    }

    @Test
    void applyWithUnlockReleasesTheBytesNoLongerNeeded_B47() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.applyLockBytes(mask(CONSISTENT_READ, WRITE, RESIZE), mask(WRITE, RESIZE), false);

        locks.applyLockBytes(mask(CONSISTENT_READ), mask(RESIZE), true);

        assertThat(seenFromTheirs()).containsExactly(100, 203);
        assertThat(locks.lockedPerm()).isEqualTo(mask(CONSISTENT_READ));
        assertThat(locks.lockedSharedPerm()).isEqualTo(mask(RESIZE));
    }

    @Test
    void applyWithoutUnlockKeepsTheBytesItHolds() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.applyLockBytes(mask(CONSISTENT_READ, WRITE), mask(WRITE), false);

        locks.applyLockBytes(mask(CONSISTENT_READ), 0, false);

        assertThat(seenFromTheirs()).containsExactly(100, 101, 201);
    }

    @Test
    void untrackedApplyWithUnlockUnlocksEveryByteNotAskedFor() throws Exception {
        new ImageLocks(ours, image.toString()).applyLockBytes(ALL, ALL, false);

        ImageLocks.applyLockBytes(ours, image.toString(), mask(WRITE), 0, true);

        assertThat(seenFromTheirs()).containsExactly(101);
    }

    @Test
    void commitHoldsTheNewPermissionsAndReleasesTheOld_B47() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.prepare(mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE));
        assertThat(locks.commit(mask(CONSISTENT_READ, WRITE), ALL & ~mask(WRITE))).isNull();
        assertThat(seenFromTheirs()).containsExactly(100, 101, 201);

        locks.prepare(mask(CONSISTENT_READ), ALL);
        assertThat(seenFromTheirs()).as("prepare only adds").containsExactly(100, 101, 201);
        assertThat(locks.commit(mask(CONSISTENT_READ), ALL)).isNull();

        assertThat(seenFromTheirs()).containsExactly(100);
        assertThat(locks.perm()).isEqualTo(mask(CONSISTENT_READ));
        assertThat(locks.sharedPerm()).isEqualTo(ALL);
    }

    @Test
    void abortDropsWhatPrepareLocked() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.prepare(mask(CONSISTENT_READ), ALL);
        locks.commit(mask(CONSISTENT_READ), ALL);
        locks.prepare(mask(CONSISTENT_READ, RESIZE), ALL & ~mask(RESIZE));
        assertThat(seenFromTheirs()).containsExactly(100, 103, 203);

        assertThat(locks.abort()).isNull();

        assertThat(seenFromTheirs()).containsExactly(100);
    }

    @Test
    void takingWhatAnotherDoesNotShareFailsWithQemusMessageAndHint_B47() throws Exception {
        ImageLocks other = new ImageLocks(theirs, image.toString());
        other.prepare(mask(CONSISTENT_READ), ALL & ~mask(WRITE));
        other.commit(mask(CONSISTENT_READ), ALL & ~mask(WRITE));
        ImageLocks locks = new ImageLocks(ours, image.toString());

        assertThatThrownBy(() -> locks.prepare(mask(CONSISTENT_READ, WRITE), ALL))
                .isInstanceOfSatisfying(ImageLockException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("Failed to get \"write\" lock");
                    assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                    assertThat(e.hint()).isEqualTo("Is another process using the image [" + image + "]?");
                });
        // The failed prepare left nothing behind, and a reader that shares everything still gets in.
        assertThat(locks.lockedPerm()).isZero();
        assertThat(locks.lockedSharedPerm()).isZero();
        locks.prepare(mask(CONSISTENT_READ), ALL);
    }

    @Test
    void notSharingWhatAnotherUsesFailsWithQemusSharedMessage_B47() throws Exception {
        ImageLocks other = new ImageLocks(theirs, image.toString());
        other.applyLockBytes(mask(CONSISTENT_READ, WRITE), 0, false); // a writer that shares everything
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.commit(mask(CONSISTENT_READ), ALL);

        assertThatThrownBy(() -> locks.prepare(mask(CONSISTENT_READ), ALL & ~mask(WRITE)))
                .isInstanceOfSatisfying(ImageLockException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("Failed to get shared \"write\" lock");
                    assertThat(e.errno()).isEqualTo(Errno.EAGAIN);
                    assertThat(e.hint()).isEqualTo("Is another process using the image [" + image + "]?");
                });
        // Back to exactly what it held before the prepare: byte 100 only, not 201.
        assertThat(locks.lockedPerm()).isEqualTo(mask(CONSISTENT_READ));
        assertThat(locks.lockedSharedPerm()).isZero();
    }

    @Test
    void theCheckReportsTheFirstConflictInQemusOrder() throws Exception {
        new ImageLocks(theirs, image.toString()).applyLockBytes(mask(WRITE_UNCHANGED, RESIZE), ALL, false);
        ImageLocks locks = new ImageLocks(ours, image.toString());

        assertThatThrownBy(() -> locks.checkLockBytes(mask(CONSISTENT_READ, WRITE), 0))
                .hasMessage("Failed to get \"consistent read\" lock");
        assertThatThrownBy(() -> locks.checkLockBytes(0, mask(CONSISTENT_READ, WRITE)))
                .hasMessage("Failed to get shared \"write unchanged\" lock");
        // raw_check_lock_bytes itself gives no hint: raw_handle_perm_lock adds it.
        assertThatThrownBy(() -> locks.checkLockBytes(ALL, ALL))
                .isInstanceOfSatisfying(ImageLockException.class, e -> assertThat(e.hint()).isNull());
    }

    @Test
    void ourOwnLocksNeverConflictWithOurselves() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.prepare(mask(CONSISTENT_READ, WRITE), 0);
        locks.commit(mask(CONSISTENT_READ, WRITE), 0);

        locks.prepare(ALL, 0);
        locks.checkLockBytes(ALL, 0);
    }

    @Test
    void anErrnoOtherThanEagainIsNamedAfterTheMessage() throws Exception {
        ImageLocks locks = new ImageLocks(theirs, image.toString());
        theirs.close();

        assertThatThrownBy(() -> locks.checkLockBytes(mask(WRITE), ALL))
                .isInstanceOfSatisfying(ImageLockException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("Failed to get \"write\" lock: Bad file descriptor");
                    assertThat(e.errno()).isEqualTo(Errno.EBADF);
                });
    }

    @Test
    void aReadLockNeedsADescriptorOpenForReading() throws Exception {
        try (Fd writeOnly = Posix.open(image.toString(), Posix.O_WRONLY)) {
            ImageLocks locks = new ImageLocks(writeOnly, image.toString());

            assertThatThrownBy(() -> locks.prepare(mask(CONSISTENT_READ), ALL))
                    .isInstanceOfSatisfying(ImageLockException.class, e -> {
                        assertThat(e.getMessage()).isEqualTo("Failed to lock byte 100: Bad file descriptor");
                        assertThat(e.errno()).isEqualTo(Errno.EBADF);
                        assertThat(e.hint()).as("QEMU hints only after a failed check").isNull();
                    });
        }
    }

    @Test
    void closingTheDescriptorDropsItsLocks() throws Exception {
        ImageLocks locks = new ImageLocks(ours, image.toString());
        locks.prepare(ALL, 0);
        assertThat(ProcLocks.ofdLockedBytes(image)).containsExactly(100L, 101L, 102L, 103L, 200L, 201L, 202L, 203L);

        ours.close();

        assertThat(ProcLocks.ofdLockedBytes(image)).isEmpty();
        assertThat(seenFromTheirs()).isEmpty();
    }

    @Test
    void prependAndWithNodeKeepTheHint() {
        ImageLockException e = new ImageLockException(Errno.EAGAIN, "Failed to get \"write\" lock", null, null)
                .withHint("/tmp/x.img");

        ImageLockException prefixed = e.prepend("Could not reopen: ");
        ImageLockException named = e.withNode("x", "file");

        assertThat(prefixed.getMessage()).isEqualTo("Could not reopen: Failed to get \"write\" lock");
        assertThat(prefixed.hint()).isEqualTo("Is another process using the image [/tmp/x.img]?");
        assertThat(prefixed.errno()).isEqualTo(Errno.EAGAIN);
        assertThat(named.getMessage()).isEqualTo("node 'x', driver 'file': Failed to get \"write\" lock");
        assertThat(named.hint()).isEqualTo(e.hint());
        assertThat(named.errno()).isEqualTo(Errno.EAGAIN);
    }
}
