package org.blocklayer.shell.internal;

/** What {@code block:open} returns: the name of the new node. */
public record OpenResult(String nodeName) {
}
