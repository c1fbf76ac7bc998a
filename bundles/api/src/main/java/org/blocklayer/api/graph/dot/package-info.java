/**
 * The block graph as Graphviz dot text, one generator for every place that draws it ({@code block:graph}, the Web
 * Console page).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.blocklayer.api.graph.dot;
