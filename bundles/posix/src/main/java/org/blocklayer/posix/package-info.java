/**
 * FFM bindings (no JNI) for the Linux system calls the JDK lacks: {@code open(2)} with O_DIRECT, {@code ioctl} for
 * block devices (sizes, BLKZEROOUT, BLKDISCARD) and SCSI generic devices ({@code SG_IO}), {@code stat} with device
 * numbers, {@code lseek} (SEEK_END, SEEK_DATA, SEEK_HOLE), {@code fallocate} (zero range, punch hole),
 * {@code pread}/{@code pwrite} on native memory, io_uring rings (one per AioContext, {@link org.blocklayer.posix.AioMode}), {@code ftruncate}, {@code fcntl} byte-range locks, {@code connect}
 * for the errno of a failed connect ({@link org.blocklayer.posix.ConnectProbe}); errno reported as
 * {@link org.blocklayer.api.error.Errno}. Above them, what the POSIX protocol drivers share, as QEMU's
 * block/file-posix.c shares it among them: {@link org.blocklayer.posix.AlignedIo} (O_DIRECT transfers of any buffer
 * at any offset), {@link org.blocklayer.posix.ProtocolOptions} (filename, aio, cache.direct, discard),
 * {@link org.blocklayer.posix.ProtocolOpen} (opening a device file, and open errors),
 * {@link org.blocklayer.posix.ProtocolFile} and {@link org.blocklayer.posix.ProtocolIo} (the read, write, flush and
 * length paths with their messages), {@link org.blocklayer.posix.ImageLocks} (QEMU's image locking protocol, on
 * open file description locks that QEMU processes on the same image see).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package org.blocklayer.posix;
