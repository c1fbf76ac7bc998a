package org.blocklayer.posix;

import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.OpenFlags;

/**
 * What the POSIX protocol drivers ({@code file}, {@code host_device}) take from their options and open flags,
 * parsed once, as QEMU's {@code raw_open_common} parses it for both.
 *
 * @param filename the path as the user gave it
 * @param writable open O_RDWR ({@link OpenFlags#RDWR}), else O_RDONLY
 * @param direct   open O_DIRECT ({@code cache.direct=on}, or {@link OpenFlags#NOCACHE})
 * @param aio      {@code threads}, {@code io_uring}, or null when not given (io_uring where the kernel allows it):
 *                 {@link AioMode#open} decides
 */
public record ProtocolOptions(String filename, boolean writable, boolean direct, String aio) {

    /**
     * Takes {@code filename} (required), {@code aio} and {@code cache.direct} out of {@code options}; what is left
     * is the caller's to refuse. {@code aio}: absent, {@code threads} or {@code io_uring} pass; {@code native}
     * (Linux AIO, not built) is EINVAL in QEMU's words for a backend it knows but was built without; anything else
     * is EINVAL naming the value. {@code cache.direct}: QEMU's block.c turns it into BDRV_O_NOCACHE before the driver
     * runs; one that reaches the driver all the same is the node's own word and wins over the flag, as it would
     * over an inherited one.
     *
     * @param driver the driver's format name, for the message when {@code filename} is missing
     */
    public static ProtocolOptions take(String driver, BlockOptions options, int flags) throws BlockException {
        String filename = options.takeString("filename");
        if (filename == null) {
            throw new BlockException(Errno.EINVAL, "The '" + driver + "' block driver requires a file name");
        }
        String aio = takeAio(options);
        Boolean cacheDirect = options.takeBool("cache.direct");
        boolean direct = cacheDirect != null ? cacheDirect : (flags & OpenFlags.NOCACHE) != 0;
        return new ProtocolOptions(filename, (flags & OpenFlags.RDWR) != 0, direct, aio);
    }

    /** {@code BDRV_O_UNMAP}: {@link OpenFlags#UNMAP}, set when the core parses {@code discard} into the open flags. */
    public static final int BDRV_O_UNMAP = OpenFlags.UNMAP;

    /**
     * Takes {@code discard} out of {@code options} as QEMU's {@code bdrv_parse_discard_flags} reads it:
     * {@code ignore} or {@code off} (the default) leave discard requests undone, {@code unmap} or {@code on} pass them
     * to the file or device (BDRV_O_UNMAP). Without the option, {@link #BDRV_O_UNMAP} in {@code flags} decides.
     *
     * @return true for unmap
     */
    public static boolean takeUnmap(BlockOptions options, int flags) throws BlockException {
        Boolean unmap = OpenFlags.parseDiscard(options.takeString("discard"));
        return unmap != null ? unmap : (flags & BDRV_O_UNMAP) != 0;
    }

    /** {@code BlockdevAioOptions}, as raw_open_common's {@code qapi_enum_parse} checks it. */
    private static String takeAio(BlockOptions options) throws BlockException {
        String aio = options.takeString("aio");
        if (aio == null || aio.equals("threads") || aio.equals("io_uring")) {
            return aio;
        }
        if (aio.equals("native")) {
            throw new BlockException(Errno.EINVAL,
                    "aio=" + aio + " was specified, but is not supported in this build.");
        }
        throw new BlockException(Errno.EINVAL,
                "Invalid parameter value for 'aio': '" + aio + "' (expected threads, native or io_uring)");
    }
}
