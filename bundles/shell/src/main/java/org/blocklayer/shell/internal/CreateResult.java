package org.blocklayer.shell.internal;

import org.blocklayer.api.graph.BlockOptions;

/** A created image: what {@code qemu-img create} prints, {@code Formatting 'FILE', fmt=FORMAT size=N ...}. */
record CreateResult(String filename, String format, BlockOptions options) {
}
