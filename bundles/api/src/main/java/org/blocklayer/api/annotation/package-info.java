/** Annotations that say which world a method lives in (coroutine, graph lock, I/O, global state). */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.blocklayer.api.annotation;
