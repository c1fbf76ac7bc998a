package org.blocklayer.shell.internal;

import java.util.List;

import org.blocklayer.api.graph.DriverInfo;

/** What {@code block:drivers} returns: the registered drivers. */
public record DriverList(List<DriverInfo> drivers) {
    public DriverList {
        drivers = List.copyOf(drivers);
    }
}
