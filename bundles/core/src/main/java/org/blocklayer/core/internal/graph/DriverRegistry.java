package org.blocklayer.core.internal.graph;

import java.nio.ByteBuffer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.FormatProbe;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.DriverInfo;

/**
 * The drivers known now ({@code bdrv_find_format}, {@code bdrv_find_protocol}), fed by the OSGi whiteboard.
 * On replacement the new service binds before the old unbinds (DS 112.5.12), so removal compares before clearing.
 */
final class DriverRegistry {

    /** A registered driver and where it came from. */
    record Entry(BlockDriver driver, String bundle, String version) {
        DriverInfo info() {
            return new DriverInfo(driver.formatName(), driver.protocolName() != null ? "protocol" : "format",
                    bundle, version);
        }
    }

    private final Map<String, Entry> byName = new ConcurrentHashMap<>();

    void add(BlockDriver driver, String bundle, String version) {
        byName.put(driver.formatName(), new Entry(driver, bundle, version));
    }

    /** Removes {@code driver} if it is still the one registered under its name; true when it was. */
    boolean remove(BlockDriver driver) {
        Entry e = byName.get(driver.formatName());
        return e != null && e.driver() == driver && byName.remove(driver.formatName(), e);
    }

    /** {@code bdrv_find_format}. */
    BlockDriver find(String name) {
        Entry e = byName.get(name);
        return e == null ? null : e.driver();
    }

    /** The bundle version {@code driver} was registered with, or null when it is not (or no longer) registered. */
    String version(BlockDriver driver) {
        Entry e = driver == null ? null : byName.get(driver.formatName());
        return e != null && e.driver() == driver ? e.version() : null;
    }

    /** {@code bdrv_find_format}, failing as QEMU does for an unknown name. */
    BlockDriver require(String name) throws BlockException {
        BlockDriver d = find(name);
        if (d == null) {
            throw new BlockException(Errno.EINVAL, "Unknown driver '" + name + "'"
                    + (byName.isEmpty() ? " (no driver is deployed)" : " (deployed: " + String.join(", ",
                    byName.keySet().stream().sorted().toList()) + ")"));
        }
        return d;
    }

    /** {@code bdrv_find_protocol}: the driver whose protocol name prefixes {@code filename} as "proto:". */
    BlockDriver findProtocol(String filename) {
        int colon = filename.indexOf(':');
        if (colon <= 0 || filename.indexOf('/') >= 0 && filename.indexOf('/') < colon) {
            return null;
        }
        String prefix = filename.substring(0, colon);
        for (Entry e : byName.values()) {
            String proto = e.driver().protocolName();
            if (proto != null && (proto.equals(prefix) || prefix.startsWith(proto + "+"))) {
                return e.driver();
            }
        }
        return null;
    }

    /** {@code bdrv_find_protocol}'s device probing: the protocol driver most sure of a plain filename, or null. */
    BlockDriver probeDevice(String filename) {
        BlockDriver best = null;
        int bestScore = 0;
        for (Entry e : byName.values()) {
            BlockDriver d = e.driver();
            if (d.protocolName() == null) {
                continue;
            }
            int score = d.probeDevice(filename);
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    /**
     * {@code bdrv_find_protocol}: a "proto:" prefix picks its driver; a plain path goes to the protocol driver that
     * probes it as its device (host_device for a block device), else to {@code defaultProtocol}.
     */
    BlockDriver protocolFor(String filename, String defaultProtocol) throws BlockException {
        BlockDriver byPrefix = findProtocol(filename);
        if (byPrefix != null) {
            return byPrefix;
        }
        int colon = filename.indexOf(':');
        int slash = filename.indexOf('/');
        if (colon > 0 && (slash < 0 || colon < slash)) {
            throw new BlockException(Errno.EINVAL, "Unknown protocol '" + filename.substring(0, colon) + "'");
        }
        BlockDriver device = probeDevice(filename);
        return device != null ? device : require(defaultProtocol);
    }

    /**
     * {@code bdrv_probe_all}: the format driver whose {@link FormatProbe} scores {@code head} highest, or null when
     * none scores above 0. QEMU takes the first of equal scores in its driver list; the whiteboard has no order, so
     * here the name decides, alphabetically.
     */
    BlockDriver probeFormat(ByteBuffer head, String filename) {
        BlockDriver best = null;
        int bestScore = 0;
        List<BlockDriver> formats = byName.values().stream().map(Entry::driver)
                .filter(d -> d.protocolName() == null && d instanceof FormatProbe)
                .sorted(Comparator.comparing(BlockDriver::formatName)).toList();
        for (BlockDriver d : formats) {
            int score = ((FormatProbe) d).probe(head.asReadOnlyBuffer(), filename);
            if (score > bestScore) {
                best = d;
                bestScore = score;
            }
        }
        return best;
    }

    /** The names of the registered format drivers that can probe, sorted: for a message when none recognised. */
    List<String> probingFormats() {
        return byName.values().stream().map(Entry::driver)
                .filter(d -> d.protocolName() == null && d instanceof FormatProbe)
                .map(BlockDriver::formatName).sorted().toList();
    }

    List<DriverInfo> infos() {
        return byName.values().stream().map(Entry::info).sorted(Comparator.comparing(DriverInfo::name)).toList();
    }
}
