package org.blocklayer.api.driver;

import java.util.Set;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_pwrite_zeroes}): writes zeroes without a buffer of them. ENOTSUP (for this
 * request or these flags) lets the core fall back to writing a zeroed buffer, unless the request carries
 * {@link RequestFlag#NO_FALLBACK}.
 */
@ConsumerType
public interface WriteZeroes {

    @CoroutineFn
    @GraphRdlock
    void coPwriteZeroes(DriverNode bs, long offset, long bytes, Set<RequestFlag> flags) throws BlockException;
}
