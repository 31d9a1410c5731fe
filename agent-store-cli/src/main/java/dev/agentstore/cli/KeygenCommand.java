package dev.agentstore.cli;

import dev.agentstore.WriterKey;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Makes a writer key: FILE (private, mode 600) and FILE.pub, and prints its fingerprint. */
@Command(
    name = "keygen",
    header = "Makes an Ed25519 writer key and prints its fingerprint.",
    mixinStandardHelpOptions = true,
    description = {
      "Writes a new Ed25519 private key to FILE (PKCS#8 PEM, mode 600) and its public key to"
          + " FILE.pub (X.509 PEM), and prints the key's fingerprint: the writer name of the"
          + " chains it signs (append --key), and what checkpoints are trusted by (verify"
          + " --trust FILE.pub). Neither file may exist already. OpenSSL reads both files.",
    },
    footer = {
      "",
      "Examples:",
      "  agent-store keygen alice.key",
      "  agent-store keygen alice.key --json"
    })
final class KeygenCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "FILE", description = "The private key file to write.")
  Path file;

  @Option(names = "--json", description = "Print the fingerprint and file names as JSON.")
  boolean json;

  @Override
  public Integer call() {
    Path pub = Path.of(file + ".pub");
    if (Files.exists(pub)) {
      throw CliException.usage("public key file " + pub + " already exists; choose another FILE");
    }
    WriterKey key = WriterKey.generate();
    key.save(file);
    key.publicKey().save(pub);
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      new Json(out)
          .beginObject()
          .field("fingerprint", key.fingerprint().toHex())
          .field("public_key", key.publicKey().toHex())
          .field("private_key_file", file.toString())
          .field("public_key_file", pub.toString())
          .endObject();
    } else {
      out.println(key.fingerprint().toHex());
    }
    return 0;
  }
}
