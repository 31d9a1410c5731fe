package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How {@link Terminal} reads a {@code /proc/self/fd} link, on links made to look like them. */
class TerminalTest {
  @TempDir Path dir;

  private Path link(String name, String target) throws IOException {
    return Files.createSymbolicLink(dir.resolve(name), Path.of(target));
  }

  @Test
  void terminalDevicesAreTerminals() throws IOException {
    assertTrue(Terminal.isTerminalDevice(link("pts", "/dev/pts/3")));
    assertTrue(Terminal.isTerminalDevice(link("tty", "/dev/tty1")));
    assertTrue(Terminal.isTerminalDevice(link("console", "/dev/console")));
  }

  @Test
  void pipesFilesAndSocketsAreNot() throws IOException {
    assertFalse(Terminal.isTerminalDevice(link("pipe", "pipe:[48213]")));
    assertFalse(Terminal.isTerminalDevice(link("socket", "socket:[48213]")));
    assertFalse(Terminal.isTerminalDevice(link("file", dir.resolve("err.txt").toString())));
    assertFalse(Terminal.isTerminalDevice(link("null", "/dev/null")));
  }

  @Test
  void withoutALinkTheAnswerIsWhetherThereIsAConsole() throws IOException {
    Path plain = Files.writeString(dir.resolve("not-a-link"), "");
    assertEquals(System.console() != null, Terminal.isTerminalDevice(plain));
  }
}
