package org.blocklayer.core.internal.graph;

import org.blocklayer.api.driver.BlockDriver;
import org.blocklayer.api.driver.DriverNode;
import org.blocklayer.api.graph.BlockOptions;

/** A protocol-less driver named "counting" with a fixed 1 MiB length, for tests to extend. */
abstract class TestDriverBase implements BlockDriver {
    @Override
    public String formatName() {
        return "counting";
    }

    @Override
    public void open(DriverNode bs, BlockOptions options, int flags) throws org.blocklayer.api.error.BlockException {
        bs.setTotalSectors(2048);
    }
}
