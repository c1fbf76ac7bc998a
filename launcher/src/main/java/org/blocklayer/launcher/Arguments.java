package org.blocklayer.launcher;

import java.nio.file.Path;

/**
 * The launcher's command line: {@code [--deploy DIR] [-c COMMANDS] [-h]}.
 *
 * @param commands  the {@code -c} string, or null
 * @param deployDir the {@code --deploy} directory, or null for the distribution's deploy/
 * @param help      {@code -h}/{@code --help} was given
 */
record Arguments(String commands, Path deployDir, boolean help) {

    static final String USAGE = """
            usage: blocklayer [--deploy DIR] [-c "COMMAND; COMMAND ..."]
              no -c, on a terminal       interactive Gogo shell ("exit" quits)
              -c COMMANDS                run the commands in order, print each result, exit
                                         (status 1 if any failed; errors on stderr as "error: ...")
              no -c, stdin not a terminal
                                         run each line of stdin as it arrives, until end of input or "exit"
              --deploy DIR               hot-deploy driver bundles from DIR instead of the distribution's deploy/
              --rebuild                  (./blocklayer only) build the distribution again before starting
            """;

    /** Parses {@code argv}; throws IllegalArgumentException with a one-line reason on a bad command line. */
    static Arguments parse(String[] argv) {
        String commands = null;
        Path deployDir = null;
        boolean help = false;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "-c" -> commands = value(argv, ++i, "-c");
                case "--deploy" -> deployDir = Path.of(value(argv, ++i, "--deploy"));
                case "-h", "--help" -> help = true;
                default -> throw new IllegalArgumentException("unknown argument: " + argv[i]);
            }
        }
        return new Arguments(commands, deployDir, help);
    }

    private static String value(String[] argv, int index, String option) {
        if (index >= argv.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return argv[index];
    }
}
