package dev.agentstore.cli;

import dev.agentstore.torture.ChildJvm;
import java.util.ArrayList;
import java.util.List;

/** The command as a process of its own, on the test class path, as the jar runs it. */
final class ChildCommand {
  private ChildCommand() {}

  /**
   * The java command line that runs {@code args}, with the JDK's poll opened to it as the jar's
   * manifest does and the progress line's half-second delay set to 0, so that a progress line, when
   * one is to be drawn, is drawn on the first update of even a short run.
   */
  static List<String> command(String... args) {
    List<String> command = new ArrayList<>(ChildJvm.javaCommand());
    command.addAll(
        List.of(
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "-D" + Progress.DELAY_PROPERTY + "=0",
            "-cp",
            System.getProperty("java.class.path"),
            Main.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  /** {@code command} as one line for {@code sh -c}, every word single-quoted. */
  static String shellLine(List<String> command) {
    StringBuilder line = new StringBuilder();
    for (String word : command) {
      if (line.length() > 0) {
        line.append(' ');
      }
      line.append('\'').append(word.replace("'", "'\\''")).append('\'');
    }
    return line.toString();
  }
}
