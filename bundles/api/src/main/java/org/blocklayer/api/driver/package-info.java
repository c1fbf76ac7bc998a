/**
 * The driver SPI that driver bundles implement and register as services, and the driver-facing node and child views
 * they get. 2.0: callbacks take {@link org.blocklayer.api.driver.DriverNode}; getlength and truncate are the
 * capabilities {@link org.blocklayer.api.driver.GetLength} and {@link org.blocklayer.api.driver.Truncate}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.blocklayer.api.driver;
