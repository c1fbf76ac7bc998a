/** The driver SPI that driver bundles implement and register as services. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.blocklayer.api.driver;
