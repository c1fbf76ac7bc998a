package org.blocklayer.api.graph;

/** What a child edge means to its parent ({@code BdrvChildRole}). */
public enum ChildRole {
    /** The child holds guest-visible data. */
    DATA,
    /** The child holds the format's metadata. */
    METADATA,
    /** The parent is a filter over this child: it passes data through unchanged. */
    FILTERED,
    /** The child is a backing file the parent copies on write from. */
    COW,
    /** The child is the parent's primary child ({@code bs->file}, or {@code bs->backing} for some filters). */
    PRIMARY
}
