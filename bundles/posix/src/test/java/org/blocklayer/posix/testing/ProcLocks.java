package org.blocklayer.posix.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The byte-range locks the kernel lists in /proc/locks for one file, whoever holds them: how a test sees what a
 * qemu-io process has locked, next to what blocklayer has. Shared with the drivers' tests through posix's test jar.
 */
public final class ProcLocks {
    private ProcLocks() {
    }

    /** Every byte of {@code file} under an open file description lock (OFDLCK), in order. */
    public static SortedSet<Long> ofdLockedBytes(Path file) throws IOException {
        // /proc/locks names the file as "MAJOR:MINOR:INODE", the device numbers in hex as the kernel splits st_dev.
        long dev = (Long) Files.getAttribute(file, "unix:dev");
        long ino = (Long) Files.getAttribute(file, "unix:ino");
        long major = (dev & 0xfff00) >> 8;
        long minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
        String id = String.format("%02x:%02x:%d", major, minor, ino);
        SortedSet<Long> bytes = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("/proc/locks"))) {
            // "1: OFDLCK ADVISORY  READ -1 fe:00:2146322 100 101"; "1: -> ..." lines are waiters, not holders.
            String[] f = line.strip().split("\\s+");
            if (f.length < 8 || !f[1].equals("OFDLCK") || !f[5].equals(id)) {
                continue;
            }
            long start = Long.parseLong(f[6]);
            long end = f[7].equals("EOF") ? start : Long.parseLong(f[7]);
            for (long b = start; b <= end; b++) {
                bytes.add(b);
            }
        }
        return bytes;
    }
}
