/** Errors: errno values and the exception every block-layer failure is reported with. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package org.blocklayer.api.error;
