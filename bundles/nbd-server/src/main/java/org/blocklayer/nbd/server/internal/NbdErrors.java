package org.blocklayer.nbd.server.internal;

import org.blocklayer.api.error.Errno;

/**
 * {@code system_errno_to_nbd_errno}: the error value a client gets for a failed request. The protocol knows eight;
 * everything else is EINVAL, as in QEMU, but for ENOMEDIUM: a node whose driver went away and did not come back in
 * time (X6) is an I/O error for the client, not a bad request.
 */
final class NbdErrors {
    private NbdErrors() {
    }

    static int of(Errno errno) {
        if (Errno.EPERM.equals(errno) || Errno.EROFS.equals(errno)) {
            return Wire.EPERM;
        }
        if (Errno.EIO.equals(errno) || Errno.ENOMEDIUM.equals(errno)) {
            return Wire.EIO;
        }
        if (Errno.ENOMEM.equals(errno)) {
            return Wire.ENOMEM;
        }
        if (Errno.ENOSPC.equals(errno) || Errno.EFBIG.equals(errno) || Errno.EDQUOT.equals(errno)) {
            return Wire.ENOSPC;
        }
        if (Errno.EOVERFLOW.equals(errno)) {
            return Wire.EOVERFLOW;
        }
        if (Errno.ENOTSUP.equals(errno)) {
            return Wire.ENOTSUP;
        }
        if (Errno.ESHUTDOWN.equals(errno)) {
            return Wire.ESHUTDOWN;
        }
        return Wire.EINVAL;
    }
}
