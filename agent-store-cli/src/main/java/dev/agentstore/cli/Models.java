package dev.agentstore.cli;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.embeddings.MiniLm;
import java.util.List;

/** The embedding models the commands know, by the short name the user types. */
final class Models {
  /** The names {@code --model} accepts. */
  static final List<String> NAMES = List.of("minilm");

  private Models() {}

  /** The model called {@code name}; a usage error naming the known ones otherwise. */
  static EmbeddingModel named(String name) {
    if (name.equals("minilm")) {
      return MiniLm.create();
    }
    throw CliException.usage(
        "unknown model \"" + name + "\" for --model; known models: " + String.join(", ", NAMES));
  }
}
