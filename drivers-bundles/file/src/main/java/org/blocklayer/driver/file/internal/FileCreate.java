package org.blocklayer.driver.file.internal;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Locale;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.CreateOption;
import org.blocklayer.api.graph.Permission;
import org.blocklayer.posix.Fd;
import org.blocklayer.posix.ImageLockException;
import org.blocklayer.posix.ImageLocks;
import org.blocklayer.posix.Posix;
import org.blocklayer.posix.PosixException;

/**
 * Creating an image file: QEMU's {@code raw_co_create} (block/file-posix.c) with the part of
 * {@code handle_aiocb_truncate} it uses. The file is created (or opened, and then emptied), its image locks are taken
 * as a writer that does not share resizing, and it is cut to 0 and grown to the size, preallocated as asked. Every
 * call blocks: it runs on a worker thread.
 */
final class FileCreate {
    static final String PREALLOCATION = "preallocation";
    /** {@code raw_create_opts}, the ones blocklayer implements (not {@code nocow}, {@code extent_size_hint}). */
    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption(CreateOption.SIZE, CreateOption.Type.SIZE, "Virtual disk size"),
            new CreateOption(PREALLOCATION, CreateOption.Type.STRING,
                    "Preallocation mode (allowed values: off, falloc, full)"));

    /** {@code MAX_BLOCKSIZE}: what {@code allocate_first_block} writes, or a sector for a smaller file. */
    private static final int MAX_BLOCKSIZE = 4096;
    private static final int SECTOR = 512;
    /** The zeroes written at a time for {@code preallocation=full}, as QEMU's 64 KiB buffer. */
    private static final int ZERO_CHUNK = 65536;
    /** The mode of a new file, less the umask ({@code qemu_create(..., 0644)}). */
    private static final int MODE = 0644;

    /** QEMU's {@code PreallocMode}, the values file-posix accepts. */
    enum Preallocation {
        OFF, FALLOC, FULL;

        /** {@code qapi_enum_parse} with {@code off} as the default. */
        static Preallocation parse(String value) throws BlockException {
            if (value == null) {
                return OFF;
            }
            for (Preallocation p : values()) {
                if (p.name().toLowerCase(Locale.ROOT).equals(value)) {
                    return p;
                }
            }
            throw new BlockException(Errno.EINVAL, "invalid parameter value: " + value
                    + " (preallocation is off, falloc or full)");
        }
    }

    private FileCreate() {
    }

    /** The size of a new file: QEMU rounds it up to whole sectors. */
    static long roundUp(long size) {
        return Math.ceilDiv(size, SECTOR) * SECTOR;
    }

    /** {@code raw_co_create}: {@code filename} becomes an empty file of {@code size} bytes. */
    static void create(String filename, long size, Preallocation prealloc) throws BlockException {
        Fd fd;
        try {
            fd = Posix.create(filename, Posix.O_RDWR, MODE);
        } catch (PosixException e) {
            throw new BlockException(e.errno(), "Could not create '" + filename + "': " + e.reason(), e);
        }
        // Closing the descriptor drops its image locks: QEMU unlocks them itself first, to the same effect.
        try (fd) {
            lock(fd, filename);
            truncate(fd, 0, Preallocation.OFF);
            truncate(fd, size, prealloc);
        }
    }

    /**
     * Steps one and two of {@code raw_co_create}: write (to discard everything) and resize (to set the size), not
     * sharing resize, since the file must have the asked size when the creation returns; EAGAIN with QEMU's message
     * and hint when another process stands in the way.
     */
    private static void lock(Fd fd, String filename) throws BlockException {
        int perm = Permission.mask(Permission.WRITE, Permission.RESIZE);
        int shared = Permission.ALL_MASK & ~Permission.RESIZE.mask();
        try {
            new ImageLocks(fd, filename).prepare(perm, shared);
        } catch (ImageLockException e) {
            String hint = e.hint() == null ? "" : ". " + e.hint();
            throw new BlockException(e.errno(), e.getMessage() + hint, e);
        }
    }

    /** {@code handle_aiocb_truncate}: {@code fd} to {@code offset} bytes, the new part preallocated as asked. */
    private static void truncate(Fd fd, long offset, Preallocation prealloc) throws BlockException {
        long current;
        try {
            current = Posix.fstat(fd).size();
        } catch (PosixException e) {
            throw e.toBlockException("Could not stat file");
        }
        if (current > offset && prealloc != Preallocation.OFF) {
            throw new BlockException(Errno.ENOTSUP, "Cannot use preallocation for shrinking files");
        }
        switch (prealloc) {
            case OFF -> {
                resize(fd, offset);
                if (current == 0 && offset > 0) {
                    allocateFirstBlock(fd, offset);
                }
            }
            case FALLOC -> {
                if (offset != current) {
                    restoringOnFailure(fd, current, () -> {
                        try {
                            Posix.fallocate(fd, 0, current, offset - current);
                        } catch (PosixException e) {
                            throw e.toBlockException("Could not preallocate new data");
                        }
                    });
                    if (current == 0) {
                        allocateFirstBlock(fd, offset);
                    }
                }
            }
            case FULL -> restoringOnFailure(fd, current, () -> {
                resize(fd, offset);
                writeZeroes(fd, current, offset - current);
                try {
                    Posix.fdatasync(fd);
                } catch (PosixException e) {
                    throw e.toBlockException("Could not flush file to disk");
                }
            });
        }
    }

    private static void resize(Fd fd, long offset) throws BlockException {
        try {
            Posix.ftruncate(fd, offset);
        } catch (PosixException e) {
            throw e.toBlockException("Could not resize file");
        }
    }

    /** {@code preallocation=full}: real zeroes, so every block is allocated. */
    private static void writeZeroes(Fd fd, long offset, long length) throws BlockException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment zeroes = arena.allocate(ZERO_CHUNK);
            for (long done = 0; done < length;) {
                MemorySegment chunk = zeroes.asSlice(0, Math.min(ZERO_CHUNK, length - done));
                done += Posix.pwrite(fd, chunk, offset + done);
            }
        } catch (PosixException e) {
            throw e.toBlockException("Could not write zeros for preallocation");
        }
    }

    /**
     * {@code allocate_first_block}: zeroes at the start, so that a later O_DIRECT alignment probe does not read
     * from a hole (which any alignment can). Failures do not matter.
     */
    private static void allocateFirstBlock(Fd fd, long size) {
        try (Arena arena = Arena.ofConfined()) {
            Posix.pwrite(fd, arena.allocate(size < MAX_BLOCKSIZE ? SECTOR : MAX_BLOCKSIZE, MAX_BLOCKSIZE), 0);
        } catch (PosixException e) {
            // An optimisation only, as in QEMU.
        }
    }

    /** Runs {@code step}; when it fails the file goes back to {@code length} bytes, as QEMU's {@code out:} does. */
    private static void restoringOnFailure(Fd fd, long length, Step step) throws BlockException {
        try {
            step.run();
        } catch (BlockException e) {
            try {
                Posix.ftruncate(fd, length);
            } catch (PosixException restore) {
                e.addSuppressed(restore.toBlockException("Failed to restore old file length"));
            }
            throw e;
        }
    }

    @FunctionalInterface
    private interface Step {
        void run() throws BlockException;
    }
}
