package dev.agentstore.cli;

import dev.agentstore.Checkpoint;
import dev.agentstore.InvalidInputException;
import dev.agentstore.WriterKey;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Signs the heads of a store's chains into a checkpoint file. */
@Command(
    name = "checkpoint",
    header = "Signs the heads of the chains into a checkpoint file.",
    mixinStandardHelpOptions = true,
    description = {
      "Writes to --out a checkpoint: the head seq and content hash of every chain (or those"
          + " selected), signed with --key. Keep it where the store's owner cannot rewrite it;"
          + " 'verify STORE --against FILE --trust KEY.pub' then reports a chain whose tail was"
          + " cut, that was rewritten or that is gone. The format is in the README (Tamper"
          + " evidence). The heads are recorded as stored: verify the store first.",
    },
    footer = {
      "",
      "Examples:",
      "  agent-store checkpoint agents.db --key witness.key --out /backup/cp.json",
      "  agent-store checkpoint agents.db --key witness.key --out cp.json --stream conv:demo"
    })
final class CheckpointCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin StoreArgs storeArgs;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "The private key.")
  Path key;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write.")
  Path outFile;

  @Option(names = "--stream", paramLabel = "S", description = "Only this stream's chains.")
  @Nullable String stream;

  @Option(names = "--writer", paramLabel = "W", description = "Only this writer's chains.")
  @Nullable String writer;

  @Override
  public Integer call() {
    StoreRef ref = storeArgs.parse().store();
    WriterKey signer = loadKey(key);
    Checkpoint.Selection selection =
        stream != null && writer != null
            ? Checkpoint.Selection.chain(stream, writer)
            : stream != null
                ? Checkpoint.Selection.stream(stream)
                : writer != null ? Checkpoint.Selection.writer(writer) : Checkpoint.Selection.all();
    PrintWriter out = spec.commandLine().getOut();
    try (Store store = ref.open(StoreRef.Access.READ)) {
      store.requireTables();
      Checkpoint checkpoint;
      try {
        checkpoint = Checkpoint.take(store.db(), signer, selection);
      } catch (InvalidInputException e) {
        throw CliException.usage(e.getMessage());
      }
      checkpoint.write(outFile);
      out.println(
          "checkpoint of "
              + checkpoint.chains().size()
              + (checkpoint.chains().size() == 1 ? " chain" : " chains")
              + " signed by "
              + signer.fingerprint().toHex()
              + " written to "
              + outFile);
    }
    return 0;
  }

  static WriterKey loadKey(Path file) {
    try {
      return WriterKey.load(file);
    } catch (InvalidInputException e) {
      throw CliException.usage(e.getMessage());
    }
  }
}
