package org.blocklayer.nbd.server.internal;

import java.util.function.Consumer;

/**
 * Tells of each export that has let go of its node ({@code blk_exp_unref} reaching zero, where QEMU sends
 * {@code BLOCK_EXPORT_DELETED}); this bundle's own service, for {@link ExportEvents}.
 */
public interface ExportDeletions {
    /** Calls {@code listener} with each deleted export's name, on the deleting thread. Returns what removes it. */
    AutoCloseable onDelete(Consumer<String> listener);
}
