/**
 * Block exports: the NBD server and the nodes it serves (QEMU's {@code nbd-server-start}, {@code block-export-add}),
 * for the shell and for embedding applications.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.blocklayer.api.export;
