/**
 * The block graph as its users see it: read-only nodes and child edges, options, and the graph service. 2.0: a node
 * no longer hands out its driver, setters or I/O; drivers get {@code org.blocklayer.api.driver.DriverNode}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package org.blocklayer.api.graph;
