package org.blocklayer.api.driver;

import java.util.Map;

import org.blocklayer.api.annotation.GlobalStateCode;
import org.osgi.annotation.versioning.ConsumerType;

/**
 * A format driver capability ({@code bdrv_get_specific_info}, QEMU's {@code ImageInfoSpecific}): what the driver
 * knows of an open image beyond the generic node information, shown by {@code block:info} under "format-specific"
 * (qcow2: compat level, refcount width, features, internal snapshots).
 *
 * @since 2.0
 */
@ConsumerType
public interface FormatInfo {

    /** Names and values, in the order to show them; read from the driver's state, without I/O. Main loop. */
    @GlobalStateCode
    Map<String, String> formatSpecific(DriverNode bs);
}
