/** The block graph reader/writer lock. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.blocklayer.api.lock;
