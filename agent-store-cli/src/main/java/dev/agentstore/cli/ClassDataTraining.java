package dev.agentstore.cli;

import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Path;

/**
 * Runs every command once on a scratch SQLite store, output discarded: the launcher runs this under
 * {@code -XX:ArchiveClassesAtExit} after each build, so that the class-data sharing archive holds
 * the classes of every command, not only those of one. Not part of the command line.
 */
public final class ClassDataTraining {
  private ClassDataTraining() {}

  /** {@code args[0]}: an empty scratch directory, left for the caller to delete. */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    String store = dir.resolve("train.db").toString();
    String copy = dir.resolve("copy.db").toString();
    String[][] runs = {
      {"demo", store},
      {"verify", store},
      {"verify", store, "--json"},
      {"streams", store},
      {"streams", store, "--json"},
      {"heads", store},
      {"heads", store, "--json"},
      {"log", store, "--stream", DemoCommand.STREAM, "--writer", "alice"},
      {"log", store, "--stream", DemoCommand.STREAM, "--writer", "alice", "--json"},
      {
        "log",
        store,
        "--stream",
        DemoCommand.STREAM,
        "--writer",
        "alice",
        "--follow",
        "--limit",
        "1"
      },
      {"log", store, "--stream", DemoCommand.STREAM, "--follow", "--json", "--limit", "1"},
      {"gen", store},
      {"gen", store, DemoCommand.GENERATION, "--json"},
      {"gen", "bump", store, "training"},
      {"gen", "set", store, "training", "10"},
      {"append", store, "--stream", "training", "--writer", "w", "payload"},
      {"info", store},
      {"info", store, "--json"},
      {"copy", store, copy},
      {"copy", store, copy, "--json"},
      {"verify", dir.resolve("missing.db").toString()},
      {"verify", "--help"}
    };
    PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
    for (String[] run : runs) {
      Main.run(nowhere, nowhere, run);
    }
  }
}
