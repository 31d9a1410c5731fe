package dev.agentstore.embeddings;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.EmbeddingModel;
import dev.agentstore.InvalidInputException;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MiniLmTest {

  private static final MiniLm MODEL = MiniLm.create();

  static double norm(float[] vector) {
    double sum = 0;
    for (float x : vector) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }

  static double cosine(float[] a, float[] b) {
    double dot = 0;
    for (int i = 0; i < a.length; i++) {
      dot += (double) a[i] * b[i];
    }
    return dot / (norm(a) * norm(b));
  }

  @Test
  void itIsTheMiniLmModelWith384Dimensions() {
    EmbeddingModel model = MODEL;
    assertEquals("all-minilm-l6-v2", model.name());
    assertEquals(384, model.dimension());
    assertTrue(MODEL == MiniLm.create());
  }

  @Test
  void theSameTextGivesTheSameUnitVectorEveryTime() {
    float[] first = MODEL.embed("we moved the schema migration to Friday");
    float[] second = MODEL.embed("we moved the schema migration to Friday");
    assertEquals(384, first.length);
    assertArrayEquals(first, second);
    assertEquals(1.0, norm(first), 1e-5);
    for (float x : first) {
      assertTrue(Float.isFinite(x));
    }
    // A new array on every call: the caller may keep or change it.
    first[0] = 42f;
    assertFalse(first[0] == MODEL.embed("we moved the schema migration to Friday")[0]);
  }

  @Test
  void embedAllGivesTheSameVectorsAsEmbedInOrder() {
    List<String> texts =
        List.of("the build is red", "", "invoices for March", "the build is red", "ünïcödé 東京 😀");
    List<float[]> all = MODEL.embedAll(texts);
    assertEquals(texts.size(), all.size());
    for (int i = 0; i < texts.size(); i++) {
      assertArrayEquals(MODEL.embed(texts.get(i)), all.get(i), "text #" + i);
      assertEquals(1.0, norm(all.get(i)), 1e-5, "text #" + i);
    }
    assertEquals(List.of(), MODEL.embedAll(List.of()));
  }

  @Test
  void blankTextGetsTheOneVectorOfTheUnknownToken() {
    float[] empty = MODEL.embed("");
    assertEquals(384, empty.length);
    assertEquals(1.0, norm(empty), 1e-5);
    assertArrayEquals(empty, MODEL.embed(" \t\n"));
    assertArrayEquals(empty, MODEL.embed("[UNK]"));
    assertFalse(Arrays.equals(empty, MODEL.embed("unk")));
  }

  @Test
  void relatedSentencesAreCloserThanUnrelatedOnes() {
    float[] query = MODEL.embed("the database migration locked the table");
    double related =
        cosine(query, MODEL.embed("ALTER TABLE blocked writes on orders for a minute"));
    double unrelated = cosine(query, MODEL.embed("my flight to Berlin lands at six"));
    assertTrue(related > unrelated + 0.2, related + " vs " + unrelated);
  }

  @Test
  void textLongerThanTheModelWindowIsEmbeddedWhole() {
    String longText = "the nightly batch job pegs the CPU. ".repeat(200); // ~1,600 tokens
    float[] vector = MODEL.embed(longText);
    assertEquals(384, vector.length);
    assertEquals(1.0, norm(vector), 1e-5);
  }

  @Test
  void threadsEmbeddingAtOnceGetTheVectorsOfOneThread() throws Exception {
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      texts.add("turn " + i + " of the conversation about release " + (i % 3));
    }
    List<float[]> expected = MODEL.embedAll(texts);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<float[]>> futures = new ArrayList<>();
      for (int round = 0; round < 4; round++) {
        for (String text : texts) {
          futures.add(pool.submit((Callable<float[]>) () -> MODEL.embed(text)));
        }
      }
      for (int i = 0; i < futures.size(); i++) {
        assertArrayEquals(
            expected.get(i % texts.size()), futures.get(i).get(60, TimeUnit.SECONDS), "#" + i);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void nullTextIsInvalidInputNamingWhichOne() {
    assertEquals(
        "all-minilm-l6-v2: the text to embed must not be null",
        assertThrows(InvalidInputException.class, () -> MODEL.embed(null)).getMessage());
    assertEquals(
        "all-minilm-l6-v2: text #1 to embed is null",
        assertThrows(InvalidInputException.class, () -> MODEL.embedAll(Arrays.asList("a", null)))
            .getMessage());
    assertEquals(
        "all-minilm-l6-v2: the list of texts to embed must not be null",
        assertThrows(InvalidInputException.class, () -> MODEL.embedAll(null)).getMessage());
  }

  @Test
  void loadingMakesNoNetworkCall() throws Exception {
    MODEL.load();
    assertTrue(MODEL.isLoaded());
    assertEquals("true", System.getProperty("ai.djl.offline"));
    // DJL records when it last reported usage over the network; offline, it never does.
    Field lastCheckIn = Class.forName("ai.djl.util.Ec2Utils").getDeclaredField("lastCheckIn");
    lastCheckIn.setAccessible(true);
    assertEquals(0L, lastCheckIn.getLong(null));
  }
}
