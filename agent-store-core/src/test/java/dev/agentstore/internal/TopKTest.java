package dev.agentstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The bounded heap behind every search, against a full sort of the same candidates. */
class TopKTest {
  private static final byte[] HASH = new byte[32];

  private static List<String> keys(List<TopK.Hit> hits) {
    return hits.stream().map(h -> h.stream() + "/" + h.writer() + "#" + h.seq()).toList();
  }

  @Test
  void keepsTheSameBestAsAFullSortWithTiesByKey() {
    Random random = new Random(3);
    List<TopK.Hit> all = new ArrayList<>();
    TopK top = new TopK(25);
    for (int i = 0; i < 5_000; i++) {
      // Few distinct scores, so that most comparisons are ties decided by the key.
      double score = random.nextInt(40) / 40.0;
      TopK.Hit hit =
          new TopK.Hit("s" + random.nextInt(3), "w" + random.nextInt(3), i + 1, HASH, score);
      all.add(hit);
      if (top.admits(score)) {
        top.offer(hit.stream(), hit.writer(), hit.seq(), HASH, score);
      }
    }
    all.sort(
        Comparator.comparingDouble(TopK.Hit::score)
            .reversed()
            .thenComparing((x, y) -> TopK.compareKeys(x, y)));
    assertEquals(keys(all.subList(0, 25)), keys(top.best()));
  }

  @Test
  void aHugeKOverFewCandidatesKeepsThemAllInOrder() {
    TopK top = new TopK(Integer.MAX_VALUE);
    for (int i = 1; i <= 100; i++) {
      top.offer("s", "w", i, HASH, i % 10);
    }
    List<TopK.Hit> best = top.best();
    assertEquals(100, best.size());
    assertEquals(List.of("s/w#9", "s/w#19"), keys(best.subList(0, 2)));
    assertEquals("s/w#100", keys(best).get(99));
  }

  @Test
  void aFullHeapAdmitsOnlyScoresAtLeastItsWorst() {
    TopK top = new TopK(2);
    top.offer("s", "w", 1, HASH, 0.5);
    top.offer("s", "w", 2, HASH, 0.7);
    assertFalse(top.admits(0.4));
    assertTrue(top.admits(0.5));
    top.offer("s", "w", 0, HASH, 0.5); // ties with seq 1 and wins by key
    assertEquals(List.of("s/w#2", "s/w#0"), keys(top.best()));
  }

  @Test
  void keysCompareByCodePointAsUtf8BytesDo() {
    // U+FF5E (one UTF-16 unit) sorts before U+1F600 (a surrogate pair) in UTF-8, unlike
    // String.compareTo, which compares the surrogate 0xD83D first.
    assertTrue(TopK.compareCodePoints("\uff5e", "\ud83d\ude00") < 0);
    assertTrue("\uff5e".compareTo("\ud83d\ude00") > 0);
    assertTrue(TopK.compareCodePoints("ab", "abc") < 0);
  }
}
