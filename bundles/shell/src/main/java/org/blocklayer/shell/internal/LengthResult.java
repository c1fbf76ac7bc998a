package org.blocklayer.shell.internal;

/** What {@code block:length} returns: the length of a node in bytes ({@code bdrv_getlength}). */
public record LengthResult(String nodeName, long length) {
}
