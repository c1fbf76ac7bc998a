package org.blocklayer.shell.internal;

/**
 * What {@code block:read} and {@code block:write} did, as qemu-io reports it.
 *
 * @param verb   "read" or "wrote"
 * @param offset where the request started
 * @param bytes  how many bytes it moved
 * @param ops    how many requests it took
 * @param nanos  how long it took
 */
record IoResult(String verb, long offset, long bytes, long ops, long nanos) {
}
