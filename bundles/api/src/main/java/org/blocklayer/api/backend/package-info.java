/**
 * BlockBackends: the handles through which users outside the graph (the shell, declared nodes, an embedding
 * application, exports) reach a node, with the permissions they take and share.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.blocklayer.api.backend;
