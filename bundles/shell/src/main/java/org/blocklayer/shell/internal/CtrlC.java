package org.blocklayer.shell.internal;

import org.apache.felix.service.command.Job;
import org.jline.terminal.Terminal;

/**
 * Ctrl-C while a block command runs in gogo.jline's terminal shell: interrupts the command's own thread, so that the
 * command stops where it can and reports itself ({@code error: ... cancelled ... (ECANCELED)}). Gogo's own handler
 * cancels the whole job instead and prints {@code java.lang.InterruptedException}, whatever the command said; it is
 * put back when the command ends. Outside a terminal shell (batch modes, tests, other consoles) this does nothing:
 * there Ctrl-C ends the process.
 */
final class CtrlC implements AutoCloseable {
    private static final String TERMINAL = ".terminal";

    private final Object terminal;
    private final Object previous;

    private CtrlC(Object terminal, Object previous) {
        this.terminal = terminal;
        this.previous = previous;
    }

    /** Takes Ctrl-C for the calling thread until {@link #close()}. */
    static CtrlC interruptsThisThread() {
        Job job = Job.Utils.current();
        Object terminal = job == null ? null : job.session().get(TERMINAL);
        if (terminal == null) {
            return new CtrlC(null, null);
        }
        try {
            return new CtrlC(terminal, Jline.take((Terminal) terminal, Thread.currentThread()));
        } catch (LinkageError | ClassCastException e) {
            // A console that is not JLine's: leave its Ctrl-C alone.
            return new CtrlC(null, null);
        }
    }

    @Override
    public void close() {
        if (terminal != null) {
            Jline.restore((Terminal) terminal, previous);
        }
    }

    /** The JLine calls, in a class of their own so that nothing loads JLine where there is no JLine. */
    private static final class Jline {
        static Object take(Terminal terminal, Thread command) {
            return terminal.handle(Terminal.Signal.INT, signal -> command.interrupt());
        }

        static void restore(Terminal terminal, Object previous) {
            terminal.handle(Terminal.Signal.INT, (Terminal.SignalHandler) previous);
        }
    }
}
