package org.blocklayer.driver.hostdevice.internal;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;

/**
 * The {@code aio} option ({@code BlockdevAioOptions}); only {@code threads} exists so far. The same check as the
 * file driver's: both are raw_open_common in QEMU.
 */
final class AioMode {

    private AioMode() {
    }

    /** Takes and checks {@code aio}, as raw_open_common's {@code qapi_enum_parse} does. */
    static void take(BlockOptions options) throws BlockException {
        String aio = options.takeString("aio");
        if (aio == null || aio.equals("threads")) {
            return;
        }
        if (aio.equals("native") || aio.equals("io_uring")) {
            // QEMU's wording for a backend it knows but was built without.
            throw new BlockException(Errno.EINVAL,
                    "aio=" + aio + " was specified, but is not supported in this build.");
        }
        throw new BlockException(Errno.EINVAL,
                "Invalid parameter value for 'aio': '" + aio + "' (expected threads, native or io_uring)");
    }
}
