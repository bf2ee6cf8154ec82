package dev.vant.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vant <command> ...}: the command-line entry point. */
@Command(name = "vant", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Variance-aware noisy training (VANT) and noisy training for analog hardware.",
    subcommands = {DemoCommand.class, TrainCommand.class, EvalCommand.class, CompareCommand.class, InfoCommand.class,
        NoiseCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  public static final String VERSION = "0.1.0";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /**
   * Runs the command line and returns its exit code: 0 on success, 1 when the work failed, 2 for bad
   * flags or flag values (one clear line on stderr, then a pointer to --help).
   */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler((ex, a) -> {
      CommandLine c = ex.getCommandLine();
      c.getErr().println("vant " + c.getCommandName() + ": " + ex.getMessage());
      c.getErr().println("Try 'vant " + (c == cl ? "" : c.getCommandName() + " ") + "--help' for the flags.");
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> {
      if (ex instanceof UsageException u) {
        c.getErr().println("vant " + c.getCommandName() + ": " + u.getMessage());
        return 2;
      }
      c.getErr().println("vant " + c.getCommandName() + ": error: " + ex.getMessage());
      if (System.getenv("VANT_DEBUG") != null) ex.printStackTrace(c.getErr());
      return 1;
    });
    return cl.execute(args);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"vant " + VERSION};
    }
  }
}
