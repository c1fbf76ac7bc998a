package org.blocklayer.core.internal.graph;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;

/**
 * Which driver opens a node: {@code bdrv_open_inherit}'s choice from {@code driver=}, a protocol prefix
 * ({@code bdrv_find_protocol}, {@code file} for a plain path) or a format left to probe, and the {@code file.*}
 * options a format opened by filename gets ({@code bdrv_fill_options}).
 */
final class DriverChoice {
    private DriverChoice() {
    }

    /**
     * The driver from {@code driver=} or a protocol prefix, or null for a format to probe over the protocol child;
     * fills in what the filename implies.
     */
    static BlockDriver choose(DriverRegistry drivers, String filename, BlockOptions options) throws BlockException {
        String driverName = options.takeString("driver");
        if (filename != null && filename.isEmpty()) {
            throw new BlockException(Errno.EINVAL, "The filename is empty");
        }
        if (driverName == null) {
            if (filename == null && !options.has("filename")) {
                if (options.has("file") || options.keys().stream().anyMatch(k -> k.startsWith("file."))) {
                    return null;
                }
                throw new BlockException(Errno.EINVAL, "Parameter 'driver' is missing");
            }
            if (filename == null) {
                return drivers.protocolFor(options.get("filename"), NodeOpener.DEFAULT_PROTOCOL);
            }
            fileChildFromFilename(drivers, filename, options);
            return null;
        }
        BlockDriver drv = drivers.require(driverName);
        if (filename != null) {
            if (drv.protocolName() != null) {
                if (options.has("filename")) {
                    throw new BlockException(Errno.EINVAL, "Cannot give a filename both as argument and as option");
                }
                drv.parseFilename(filename, options);
            } else {
                fileChildFromFilename(drivers, filename, options);
            }
        }
        return drv;
    }

    /** {@code file.driver}/{@code file.filename} for a format opened by filename, unless given already. */
    private static void fileChildFromFilename(DriverRegistry drivers, String filename, BlockOptions options)
            throws BlockException {
        if (options.has("file") || options.has("file.filename")) {
            throw new BlockException(Errno.EINVAL, "Cannot give a filename both as argument and as option 'file'");
        }
        BlockDriver protocol = options.has("file.driver") ? drivers.require(options.get("file.driver"))
                : drivers.protocolFor(filename, NodeOpener.DEFAULT_PROTOCOL);
        BlockOptions child = new BlockOptions();
        protocol.parseFilename(filename, child);
        options.put("file.driver", protocol.formatName());
        child.asMap().forEach((k, v) -> options.put("file." + k, v));
    }
}
