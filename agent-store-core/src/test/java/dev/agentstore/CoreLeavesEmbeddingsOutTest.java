package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/**
 * The core defines the {@link EmbeddingModel} SPI and {@link EntryText}, and nothing of a model:
 * neither the optional {@code agent-store-embeddings} module nor what it brings (langchain4j, ONNX
 * Runtime, DJL) may be on the core's class path, not even for its tests.
 */
class CoreLeavesEmbeddingsOutTest {

  @Test
  void noEmbeddingModelLibraryIsOnTheCoreClassPath() {
    for (String name :
        new String[] {
          "dev.agentstore.embeddings.MiniLm",
          "dev.langchain4j.model.embedding.EmbeddingModel",
          "ai.onnxruntime.OrtEnvironment",
          "ai.djl.huggingface.tokenizers.HuggingFaceTokenizer"
        }) {
      assertThrows(
          ClassNotFoundException.class,
          () -> Class.forName(name, false, EntryText.class.getClassLoader()),
          name);
    }
  }
}
