package org.blocklayer.api.graph;

import java.util.List;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The nodes declared as Config Admin configurations ({@code org.blocklayer.node~NAME}), open or still waiting: the
 * declarations a health check or a shell command reports on. Callable from any thread.
 *
 * @since 1.1
 */
@ProviderType
public interface NodeDeclarations {

    /** A snapshot, in the order of the nodes' names. */
    List<DeclarationInfo> declarations();
}
