package org.blocklayer.launcher;

import java.nio.file.Path;

/**
 * The launcher's command line: {@code [--deploy DIR] [--gogo] [-c COMMANDS] [-h]}.
 *
 * @param commands   the {@code -c} string, or null
 * @param deployDir  the {@code --deploy} directory, or null for the distribution's deploy/
 * @param gogoScript {@code --gogo}: the batch modes read Gogo script instead of plain words
 * @param help       {@code -h}/{@code --help} was given
 */
record Arguments(String commands, Path deployDir, boolean gogoScript, boolean help) {

    static final String USAGE = """
            usage: blocklayer [--deploy DIR] [--gogo] [-c "COMMAND; COMMAND ..."]
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
              --rebuild                  (./blocklayer only) build the distribution again before starting
            """;

    /** Parses {@code argv}; throws IllegalArgumentException with a one-line reason on a bad command line. */
    static Arguments parse(String[] argv) {
        String commands = null;
        Path deployDir = null;
        boolean gogoScript = false;
        boolean help = false;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "-c" -> commands = value(argv, ++i, "-c");
                case "--deploy" -> deployDir = Path.of(value(argv, ++i, "--deploy"));
                case "--gogo" -> gogoScript = true;
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown argument: " + argv[i]);
            }
        }
        return new Arguments(commands, deployDir, gogoScript, help);
    }

    private static String value(String[] argv, int index, String option) {
        if (index >= argv.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return argv[index];
    }
}
