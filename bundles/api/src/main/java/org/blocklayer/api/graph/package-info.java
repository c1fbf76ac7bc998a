/** The block graph: nodes, child edges, options, and the graph service. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.3.0")
package org.blocklayer.api.graph;
