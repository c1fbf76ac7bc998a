package org.blocklayer.qmp.internal;

import com.fasterxml.jackson.databind.JsonNode;

/** One QMP command's handler ({@code QmpCommandFunc}): its arguments in, its {@code return} value out. */
@FunctionalInterface
interface QmpCommand {
    /**
     * Runs the command. A {@link QmpError} is answered as it is; a {@code BlockException} as a GenericError with its
     * detail, the way QEMU answers an {@code Error} set by the block layer.
     */
    JsonNode run(QmpArgs args) throws Exception;
}
