package org.blocklayer.core.internal.coroutine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every AioContext of the process: the main loop's first, then one per iothread ({@code iothread_new}, each with
 * a thread of its own), and the graph readers counted in contexts since deleted ({@code orphaned_reader_count}).
 */
final class AioContexts {
    private final EventLoop main;
    private final List<EventLoop> all = new CopyOnWriteArrayList<>();
    private final ReaderCount orphanedReaders = new ReaderCount();

    /** Creates the main loop and starts its thread. */
    AioContexts(Scheduler scheduler) {
        main = new EventLoop("main", scheduler);
        all.add(main);
        main.start(true);
    }

    EventLoop main() {
        return main;
    }

    /** Safe to iterate from any thread while iothreads come and go. */
    List<EventLoop> all() {
        return all;
    }

    ReaderCount orphanedReaders() {
        return orphanedReaders;
    }

    /** The context of that name (the main loop is "main"), or null. */
    EventLoop named(String name) {
        for (EventLoop ctx : all) {
            if (ctx.name().equals(name)) {
                return ctx;
            }
        }
        return null;
    }

    EventLoop createIoThread(String name, Scheduler scheduler) {
        if (named(name) != null) {
            throw new IllegalArgumentException("an AioContext named '" + name + "' exists already");
        }
        EventLoop ctx = new EventLoop(name, scheduler);
        ctx.start(true);
        all.add(ctx);
        return ctx;
    }

    void destroyIoThread(EventLoop ctx) {
        if (ctx == main) {
            throw new IllegalArgumentException("the main loop is not an iothread");
        }
        ctx.stop();
        // Count first, remove second: for a moment the readers are counted twice, which only makes a writer wait.
        orphanedReaders.add(ctx.graphReaders().get());
        all.remove(ctx);
    }

    /** Stops the iothreads, then the main loop, each after it has run what was queued. */
    void stopAll() {
        for (EventLoop ctx : all) {
            if (ctx != main) {
                ctx.stop();
            }
        }
        main.stop();
    }
}
