package dev.agentstore.cli;

import dev.agentstore.Entry;
import dev.agentstore.WriterLog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Appends one entry to a chain and prints it. */
@Command(
    name = "append",
    customSynopsis = {
      "agent-store append [OPTIONS] (STORE | --policy FILE) --stream S",
      "           --writer W (DATA | - | --file F)"
    },
    header = "Appends one entry to a chain and prints it.",
    mixinStandardHelpOptions = true,
    description = {
      "Appends one entry to the chain of STREAM and WRITER and prints it. The payload is DATA"
          + " (as UTF-8), the bytes of --file F, or standard input when DATA is '-'.",
      "With --expect-seq N the append happens only if the chain's head is still seq N (0 for an"
          + " empty chain); otherwise nothing is written and the exit code is 1."
    },
    footer = {
      "",
      "Examples:",
      "  agent-store append new.db --stream conv:demo --writer alice 'hello bob' --create",
      "  agent-store append agents.db --stream jobs --writer w1 --file result.bin",
      "  echo done | agent-store append agents.db --stream jobs --writer worker-1 -",
      "  agent-store append agents.db --stream conv:demo --writer bob --expect-seq 4 hi"
    })
final class AppendCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "DATA",
      description = "The payload as text, or '-' to read it from standard input.")
  @Nullable String data;

  @Option(names = "--stream", required = true, paramLabel = "S", description = "The stream.")
  String stream = "";

  @Option(names = "--writer", required = true, paramLabel = "W", description = "The writer.")
  String writer = "";

  @Option(names = "--file", paramLabel = "F", description = "Read the payload from file F.")
  @Nullable Path file;

  @Option(
      names = "--expect-seq",
      paramLabel = "N",
      description = "Append only if the head is still seq N (0: the chain is empty).")
  @Nullable Long expectSeq;

  @Mixin CreateOption create;

  @Option(names = "--json", description = "Print the new entry as JSON.")
  boolean json;

  @Override
  public Integer call() {
    StoreArgs.Parsed parsed = storeArgs.parse(data);
    byte[] payload = payload(parsed.argument(0));
    if (expectSeq != null && expectSeq < 0) {
      throw CliException.usage("--expect-seq must be 0 or more, got " + expectSeq);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = parsed.store().openForWriting(create.wanted)) {
      Entry entry =
          expectSeq == null
              ? WriterLog.append(store.db(), stream, writer, payload)
              : WriterLog.append(store.db(), stream, writer, payload, expectSeq);
      if (json) {
        new Json(out)
            .beginObject()
            .field("stream", entry.stream())
            .field("writer", entry.writer())
            .field("seq", entry.seq())
            .field("prev_hash", entry.prevHashHex().orElse(null))
            .field("content_hash", entry.contentHashHex())
            .field("size", payload.length)
            .endObject();
      } else {
        out.println(
            "appended "
                + entry.stream()
                + "/"
                + entry.writer()
                + " seq "
                + entry.seq()
                + " ("
                + payload.length
                + (payload.length == 1 ? " byte" : " bytes")
                + "), content_hash "
                + entry.contentHashHex());
      }
      return 0;
    }
  }

  private byte[] payload(@Nullable String argument) {
    if (file != null) {
      if (argument != null) {
        throw CliException.usage("give the payload as DATA, '-' or --file F, not several");
      }
      try {
        if (Files.size(file) > WriterLog.MAX_PAYLOAD_BYTES) {
          throw CliException.usage(
              "--file "
                  + file
                  + " is larger than the payload limit of "
                  + WriterLog.MAX_PAYLOAD_BYTES
                  + " bytes");
        }
        return Files.readAllBytes(file);
      } catch (NoSuchFileException e) {
        throw CliException.usage("cannot read --file " + file + ": no such file");
      } catch (IOException e) {
        throw CliException.usage("cannot read --file " + file + ": " + e.getMessage());
      }
    }
    if (argument == null) {
      throw CliException.usage("missing payload: give DATA, '-' (standard input) or --file F");
    }
    if (argument.equals("-")) {
      try {
        Main main = (Main) spec.root().userObject();
        // One byte over the limit is enough for the append to refuse it with a clear message.
        return main.in().readNBytes(WriterLog.MAX_PAYLOAD_BYTES + 1);
      } catch (IOException e) {
        throw CliException.usage("cannot read standard input: " + e.getMessage());
      }
    }
    return argument.getBytes(StandardCharsets.UTF_8);
  }
}
