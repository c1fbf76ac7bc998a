package org.blocklayer.api.graph;

import java.util.Set;

import org.osgi.annotation.versioning.ProviderType;

/**
 * An edge parent → child in the block graph ({@code BdrvChild}), read-only. The parent's driver sees the same edge
 * as a {@code org.blocklayer.api.driver.DriverChild}, through which it does its I/O.
 */
@ProviderType
public interface BlockChild {

    /** The edge's name in its parent: "file", "backing", ... */
    String name();

    Set<ChildRole> roles();

    BlockNode parent();

    /** The child node ({@code child->bs}). */
    BlockNode node();
}
