package org.blocklayer.driver.qcow2.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.driver.CreateRequest;
import org.blocklayer.api.error.BlockException;
import org.blocklayer.api.error.Errno;
import org.blocklayer.api.graph.BlockOptions;
import org.blocklayer.api.graph.CreateOption;

/**
 * {@code qcow2_co_create_opts} and {@code qcow2_co_create}: the options checked with QEMU's messages, the file
 * created by its protocol driver, then the new image's metadata ({@link NewImage}) written into it. The metadata is
 * written to the local file directly: creating an image over another protocol is refused (ENOTSUP).
 */
final class Qcow2Create {
    /** {@code qcow2_create_opts}, the part this driver implements. */
    static final List<CreateOption> OPTIONS = List.of(
            new CreateOption(CreateOption.SIZE, CreateOption.Type.SIZE, "Virtual disk size"),
            new CreateOption("compat", CreateOption.Type.STRING, "Compatibility level (v2 [0.10] or v3 [1.1])"),
            new CreateOption("backing_file", CreateOption.Type.STRING, "File name of a base image"),
            new CreateOption("backing_fmt", CreateOption.Type.STRING, "Image format of the base image"),
            new CreateOption("cluster_size", CreateOption.Type.SIZE, "qcow2 cluster size"),
            new CreateOption("lazy_refcounts", CreateOption.Type.BOOL,
                    "Postpone refcount updates"),
            new CreateOption("refcount_bits", CreateOption.Type.NUMBER,
                    "Width of a reference count entry in bits"));

    private Qcow2Create() {
    }

    @CoroutineFn
    static void create(CreateRequest request) throws BlockException {
        BlockOptions o = request.options();
        long size = o.takeSize(CreateOption.SIZE);
        String compat = o.takeString("compat");
        int version;
        if (compat == null || compat.equals("1.1") || compat.equals("v3")) {
            version = 3;
        } else if (compat.equals("0.10") || compat.equals("v2")) {
            version = 2;
        } else {
            throw new BlockException(Errno.EINVAL, "Invalid compatibility level: '" + compat + "'");
        }
        Long clusterOption = o.takeSize("cluster_size");
        long clusterSize = clusterOption == null ? 65536 : clusterOption;
        int clusterBits = Long.numberOfTrailingZeros(clusterSize);
        if (clusterBits < Qcow2Header.MIN_CLUSTER_BITS || clusterBits > Qcow2Header.MAX_CLUSTER_BITS
                || (1L << clusterBits) != clusterSize) {
            throw new BlockException(Errno.EINVAL, "Cluster size must be a power of two between 512 and 2048k");
        }
        String refcountOption = o.takeString("refcount_bits");
        long refcountBits = refcountOption == null ? 16 : Long.parseLong(refcountOption);
        if (refcountBits < 1 || refcountBits > 64 || Long.bitCount(refcountBits) != 1) {
            throw new BlockException(Errno.EINVAL, "Refcount width must be a power of two and may not exceed 64 bits");
        }
        if (version < 3 && refcountBits != 16) {
            throw new BlockException(Errno.EINVAL, "Different refcount widths than 16 bits require compatibility "
                    + "level 1.1 or above (use compat=1.1 or greater)");
        }
        Boolean lazy = o.takeBool("lazy_refcounts");
        if (size % 512 != 0) {
            throw new BlockException(Errno.EINVAL, "Image size must be a multiple of 512 bytes");
        }
        String backingFile = o.takeString("backing_file");
        String backingFormat = o.takeString("backing_fmt");
        if (backingFormat != null && backingFile == null) {
            throw new BlockException(Errno.EINVAL, "Backing format cannot be used without backing file");
        }
        if (backingFile != null && backingFormat == null) {
            throw new BlockException(Errno.EINVAL, "Backing file specified without backing format");
        }
        if (Boolean.TRUE.equals(lazy) && version < 3) {
            throw new BlockException(Errno.EINVAL, "Lazy refcounts only supported with compatibility level 1.1 "
                    + "and above (use version=v3 or greater)");
        }
        String filename = request.filename();
        if (filename.startsWith("file:")) {
            filename = filename.substring("file:".length());
        } else if (filename.matches("^[A-Za-z0-9+]+:.*")) {
            throw new BlockException(Errno.ENOTSUP, "qcow2 images are created on local files only, not '"
                    + filename + "'");
        }
        NewImage.Layout layout = NewImage.build(version, clusterBits, size, Long.numberOfTrailingZeros(refcountBits),
                Boolean.TRUE.equals(lazy), backingFile, backingFormat);
        BlockOptions fileOptions = new BlockOptions();
        fileOptions.put(CreateOption.SIZE, "0");
        request.coCreateFile(request.filename(), fileOptions);
        Path path = Path.of(filename);
        try {
            request.aioContext().threadPool().run(() -> {
                try (FileChannel ch = FileChannel.open(path, StandardOpenOption.WRITE)) {
                    ByteBuffer b = layout.metadata().duplicate().clear();
                    while (b.hasRemaining()) {
                        ch.write(b, b.position());
                    }
                    ch.truncate(layout.fileLength());
                    if (ch.size() < layout.fileLength()) {
                        ch.write(ByteBuffer.allocate(1), layout.fileLength() - 1);
                    }
                }
                return null;
            });
        } catch (IOException e) {
            throw new BlockException(Errno.EIO, "Could not write qcow2 header: " + e.getMessage(), e);
        }
    }
}
