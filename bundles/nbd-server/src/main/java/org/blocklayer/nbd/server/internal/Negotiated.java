package org.blocklayer.nbd.server.internal;

/**
 * What the handshake left for the transmission phase.
 *
 * @param export         the export the client chose
 * @param structured     structured replies were negotiated
 * @param baseAllocation {@code base:allocation} was selected for this export, so BLOCK_STATUS may be asked
 */
record Negotiated(NbdExport export, boolean structured, boolean baseAllocation) {
}
