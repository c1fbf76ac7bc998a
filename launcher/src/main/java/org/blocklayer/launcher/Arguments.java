package org.blocklayer.launcher;

import java.nio.file.Path;

/**
 * The launcher's command line: {@code [--deploy DIR] [--gogo] [--qmp ADDRESS]... [--web [ADDR:]PORT] [-c COMMANDS]
 * [-h]}.
 *
 * @param commands   the {@code -c} string, or null
 * @param deployDir  the {@code --deploy} directory, or null for the distribution's deploy/
 * @param gogoScript {@code --gogo}: the batch modes read Gogo script instead of plain words
 * @param help       {@code -h}/{@code --help} was given
 * @param qmp        the {@code --qmp} addresses, comma-separated ({@code unix:PATH}, {@code tcp:127.0.0.1:PORT}),
 *                   or null: the framework property {@value #QMP_PROPERTY}, which the QMP bundle reads
 * @param web        {@code --web}: where the Web Console listens, or null
 */
record Arguments(String commands, Path deployDir, boolean gogoScript, boolean help, String qmp, WebOption web) {

    /** The framework property that tells the QMP bundle where to listen. */
    static final String QMP_PROPERTY = "blocklayer.qmp";

    Arguments(String commands, Path deployDir, boolean gogoScript, boolean help) {
        this(commands, deployDir, gogoScript, help, null, null);
    }

    static final String USAGE = """
            usage: blocklayer [--deploy DIR] [--gogo] [--qmp ADDRESS] [--web [ADDR:]PORT] [-c "COMMAND; COMMAND ..."]
              no -c, on a terminal       interactive Gogo shell ("exit" quits)
              -c COMMANDS                run the commands in order, print each result, exit
                                         (status 1 if any failed; errors on stderr as "error: ...")
              no -c, stdin not a terminal
                                         run each line of stdin as it arrives, until end of input or "exit"
                                         (-c and stdin: plain words and quotes as in a POSIX shell, ';' or a
                                         line end between commands, '#' at a command's start a comment;
                                         no variables, globs, redirections or pipes)
              --gogo                     read -c and stdin as Gogo script instead (variables, closures, pipes)
              --deploy DIR               hot-deploy driver bundles from DIR (an existing directory) instead of
                                         the distribution's deploy/
              --qmp unix:PATH | tcp:127.0.0.1:PORT
                                         serve QMP (QEMU's JSON management protocol) there, as
                                         qemu-storage-daemon does; may be given twice. blocklayer then runs until
                                         QMP's "quit" (or a signal), also after -c or stdin are done
              --web [ADDR:]PORT          serve the Felix Web Console (http://ADDR:PORT/system/console; the
                                         block graph page is /system/console/blocklayer) on ADDR, 127.0.0.1 if
                                         left out; runs until a signal (or QMP's "quit") like --qmp. Another
                                         ADDR needs the console's password changed from admin first
              --rebuild                  (./blocklayer only) build the distribution again before starting
            """;

    /** Parses {@code argv}; throws IllegalArgumentException with a one-line reason on a bad command line. */
    static Arguments parse(String[] argv) {
        String commands = null;
        Path deployDir = null;
        boolean gogoScript = false;
        boolean help = false;
        String qmp = null;
        WebOption web = null;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--qmp" -> {
                    String address = value(argv, ++i, "--qmp");
                    if (!address.startsWith("unix:") && !address.startsWith("tcp:") || address.contains(",")) {
                        throw new IllegalArgumentException("--qmp " + address
                                + ": expected unix:PATH or tcp:127.0.0.1:PORT");
                    }
                    qmp = qmp == null ? address : qmp + "," + address;
                }
                case "--web" -> web = WebOption.parse(value(argv, ++i, "--web"));
                case "-c" -> commands = value(argv, ++i, "-c");
                case "--deploy" -> deployDir = Path.of(value(argv, ++i, "--deploy"));
                case "--gogo" -> gogoScript = true;
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown argument: " + argv[i]);
            }
        }
        return new Arguments(commands, deployDir, gogoScript, help, qmp, web);
    }

    private static String value(String[] argv, int index, String option) {
        if (index >= argv.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return argv[index];
    }
}
