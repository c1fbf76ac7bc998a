package org.blocklayer.driver.qcow2.internal;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code qcow2_get_specific_info} ({@code ImageInfoSpecificQCow2}) with the snapshot list of {@code qemu-img info}:
 * what {@code block:info} shows of a qcow2 image under "format-specific". Snapshots are listed, read-only.
 */
final class Qcow2Info {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")
            .withZone(ZoneOffset.UTC);

    private Qcow2Info() {
    }

    static Map<String, String> of(Qcow2State s) {
        Qcow2Header h = s.header;
        Map<String, String> m = new LinkedHashMap<>();
        m.put("compat", h.version() == 2 ? "0.10" : "1.1");
        m.put("cluster-size", Integer.toString(h.clusterSize()));
        m.put("compression-type", "zlib");
        if (h.version() == 3) {
            m.put("lazy-refcounts", Boolean.toString(h.lazyRefcounts()));
        }
        m.put("refcount-bits", Integer.toString(h.refcountBits()));
        m.put("corrupt", Boolean.toString((h.incompatibleFeatures() & Qcow2Header.INCOMPAT_CORRUPT) != 0));
        m.put("extended-l2", "false");
        if (s.backingFile != null) {
            m.put("backing-filename", s.backingFile);
            if (s.extensions.backingFormat() != null) {
                m.put("backing-filename-format", s.extensions.backingFormat());
            }
        }
        if (s.extensions.bitmaps() > 0) {
            m.put("bitmaps", s.extensions.bitmaps() + " (recognised, not maintained: stale after a write here)");
        }
        m.put("l2-cache", s.l2Cache.capacity() + " tables (" + (long) s.l2Cache.capacity() * h.clusterSize()
                + " bytes)");
        for (Snapshot sn : s.snapshots) {
            m.put("snapshot " + sn.id(), "name=" + sn.name() + " vm-state-size=" + sn.vmStateSize() + " date="
                    + DATE.format(Instant.ofEpochSecond(sn.dateSec())) + " vm-clock-nsec=" + sn.vmClockNsec()
                    + " disk-size=" + sn.diskSize());
        }
        return m;
    }
}
