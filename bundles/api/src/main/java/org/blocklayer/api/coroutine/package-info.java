/** Event loops (AioContext), the worker pool, and coroutine-side waiting. */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.2.0")
package org.blocklayer.api.coroutine;
