package org.blocklayer.api.export;

import java.util.List;

import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ProviderType;

/**
 * The export service: QEMU's NBD server ({@code nbd-server-start}, {@code nbd-server-stop}, blockdev-nbd.c) and its
 * exports ({@code block-export-add}, {@code block-export-del}, {@code query-block-exports}, block/export/export.c).
 * An export reaches its node through a BlockBackend with the permissions QEMU's NBD export takes. Callable from any
 * thread but the main loop's.
 */
@ProviderType
public interface BlockExports {

    /** Where the server listens when no address is given ({@code inet:127.0.0.1:10809}). */
    String DEFAULT_ADDRESS = "inet:127.0.0.1:10809";

    /** QEMU's default for {@code max-connections}. */
    int DEFAULT_MAX_CONNECTIONS = 100;

    /**
     * {@code nbd-server-start}: listens on {@code address}, {@code unix:PATH} or {@code inet:HOST:PORT} (port 0: any
     * free port, the returned info says which). {@code maxConnections} 0 means no limit; 1 also stops exports from
     * advertising multi-conn. EBUSY when a server already runs, EINVAL for a bad address, the socket's errno when it
     * cannot listen.
     */
    NbdServerInfo startNbdServer(String address, int maxConnections) throws BlockException;

    /**
     * {@code nbd-server-stop}: closes the listening socket, deletes every export at once (as {@code --force}) and
     * disconnects every client. ENOENT when no server runs.
     */
    void stopNbdServer() throws BlockException;

    /** The running server, or null. */
    NbdServerInfo nbdServer();

    /**
     * {@code block-export-add} of an NBD export: EINVAL without a running server or for a name or description over
     * 4096 bytes, EEXIST for a name in use, ENOENT for no such node, and the BlockBackend's errors (EPERM for a
     * writable export of a read-only node or a permission conflict).
     */
    ExportInfo add(ExportOptions options) throws BlockException;

    /**
     * {@code block-export-del}: the export disappears from the server at once. Without {@code force}, requests its
     * clients have in flight complete and are answered, then the clients are disconnected; with {@code force} they
     * are disconnected at once and their answers dropped. Returns once the export has let go of its node. ENOENT for
     * no such export.
     */
    void delete(String name, boolean force) throws BlockException;

    /** Every export, in the order they were added. */
    List<ExportInfo> exports();
}
