package org.blocklayer.driver.qcow2.internal;

import java.nio.file.Path;
import java.util.EnumSet;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.blocklayer.api.driver.DriverChild;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.ChildRole;

/**
 * {@code bdrv_open_backing_file} (block.c) for a qcow2 node: the {@code backing} option (a node name, or "" / "null"
 * for none) or the {@code backing.*} options win; otherwise the backing file the header names, relative to the
 * image's directory ({@code bdrv_get_full_backing_filename}), opened with the header's backing format or, without
 * one, the format the probe finds.
 */
final class BackingChild {
    private BackingChild() {
    }

    @GlobalStateCode
    static DriverChild open(DriverNode bs, BlockOptions options, String backingFile, String backingFormat)
            throws BlockException {
        String reference = options.get("backing");
        if (reference != null && (reference.isEmpty() || reference.equals("null"))) {
            options.takeString("backing");
            return null;
        }
        boolean given = reference != null || options.keys().stream().anyMatch(k -> k.startsWith("backing."));
        if (!given && backingFile != null) {
            options.put("backing.file.filename", fullPath(bs, backingFile));
            if (backingFormat != null && !backingFormat.isEmpty()) {
                options.put("backing.driver", backingFormat);
            }
        } else if (given && reference == null && !options.has("backing.driver") && backingFormat != null
                && !backingFormat.isEmpty() && !options.has("backing.file")) {
            options.put("backing.driver", backingFormat);
        }
        try {
            return bs.openChild(options, "backing", EnumSet.of(ChildRole.COW), true);
        } catch (BlockException e) {
            throw e.prepend("Could not open backing file: ");
        }
    }

    /** {@code bdrv_get_full_backing_filename}: a relative name is relative to the image file's directory. */
    static String fullPath(DriverNode bs, String backingFile) {
        if (backingFile.startsWith("/") || backingFile.contains(":")) {
            return backingFile;
        }
        String image = bs.file() == null ? null : bs.file().node().filename();
        if (image == null) {
            return backingFile;
        }
        Path dir = Path.of(image).getParent();
        return dir == null ? backingFile : dir.resolve(backingFile).toString();
    }
}
