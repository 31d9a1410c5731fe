package dev.agentstore.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether the process's stderr is a terminal, which decides whether a progress line is drawn there.
 * Java 17 has no isatty: {@code System.console()} answers for stdin and stdout together, so {@code
 * verify ... 2>file} on a terminal would draw into the file, and {@code verify ... | cat} would
 * draw nothing on the terminal. On Linux, {@code /proc/self/fd/2} links to the device stderr is
 * open on; a terminal is a {@code /dev/pts/N} or {@code /dev/ttyX} device (or {@code
 * /dev/console}); files and pipes link elsewhere. Where there is no such link (macOS, Windows), the
 * answer falls back to {@code System.console() != null}: stdin and stdout on a terminal, stderr
 * then almost always too.
 */
final class Terminal {
  private static final Path STDERR_LINK = Path.of("/proc/self/fd/2");

  private Terminal() {}

  /** Whether fd 2 is a terminal that understands a carriage return and an erase-line sequence. */
  static boolean stderrIsTerminal() {
    if ("dumb".equals(System.getenv("TERM"))) {
      return false; // Emacs shells and the like: no erase-line sequence
    }
    return isTerminalDevice(STDERR_LINK);
  }

  /** Whether {@code fdLink} (a {@code /proc/self/fd} entry) is open on a terminal device. */
  static boolean isTerminalDevice(Path fdLink) {
    String target;
    try {
      target = Files.readSymbolicLink(fdLink).toString();
    } catch (IOException | UnsupportedOperationException | SecurityException e) {
      return System.console() != null;
    }
    return target.startsWith("/dev/pts/")
        || target.startsWith("/dev/tty")
        || target.equals("/dev/console");
  }
}
