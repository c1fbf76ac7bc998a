package org.blocklayer.api.driver;

import org.blocklayer.api.annotation.CoroutineFn;
import org.blocklayer.api.annotation.GraphRdlock;
import org.blocklayer.api.error.BlockException;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A driver capability ({@code bdrv_co_pdiscard}): the range is no longer needed and may be deallocated; what reads
 * return there afterwards is up to the driver. ENOTSUP is no failure: the core treats discard as advice.
 */
@ConsumerType
public interface Discard {

    @CoroutineFn
    @GraphRdlock
    void coPdiscard(DriverNode bs, long offset, long bytes) throws BlockException;
}
