/**
 * FFM bindings (no JNI) for the Linux system calls the JDK lacks: {@code open(2)} with O_DIRECT, {@code ioctl} for
 * block devices and SCSI generic devices ({@code SG_IO}), {@code stat} with device numbers, {@code lseek},
 * {@code pread}/{@code pwrite} on native memory; errno reported as {@link org.blocklayer.api.error.Errno}. Above
 * them, what the POSIX protocol drivers share: {@link org.blocklayer.posix.AlignedIo} (O_DIRECT transfers of any
 * buffer at any offset) and {@link org.blocklayer.posix.ProtocolOptions} (filename, aio, cache.direct).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.blocklayer.posix;
