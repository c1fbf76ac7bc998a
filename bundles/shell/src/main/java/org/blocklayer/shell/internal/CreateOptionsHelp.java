package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.graph.CreateOption;

/**
 * The creation options of a format, over a filename's protocol when {@code withProtocol}: what
 * {@code qemu-img create -f FORMAT [FILENAME] -o help} prints.
 */
record CreateOptionsHelp(String format, boolean withProtocol, List<CreateOption> options) {
}
