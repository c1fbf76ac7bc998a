package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.backend.MapEntry;

/** What {@code block:map} shows: the extents, in qemu-img map's human layout or as its JSON. */
record MapResult(List<MapEntry> entries, boolean json) {
}
