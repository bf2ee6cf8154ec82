package dev.vant.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code vant <command> ...}: the command-line entry point. */
@Command(name = "vant", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Variance-aware noisy training (VANT) and noisy training for analog hardware.",
    subcommands = {InfoCommand.class, NoiseCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  public static final String VERSION = "0.1.0";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Runs the command line and returns its exit code (2 for bad flags, as picocli does). */
  public static int execute(String... args) {
    return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
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
