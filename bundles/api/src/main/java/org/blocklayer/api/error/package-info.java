/** Errors: errno values and the exception every block-layer failure is reported with. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.blocklayer.api.error;
