package org.blocklayer.shell.internal;

/** {@code block:dump}: bytes read at an offset, shown as a hex dump. */
record DumpResult(long offset, byte[] data) {
}
