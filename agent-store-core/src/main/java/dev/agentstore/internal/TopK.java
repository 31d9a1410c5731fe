package dev.agentstore.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The best {@code k} scored keys seen so far: a bounded binary min-heap whose root is the worst key
 * kept, so that a candidate is compared with one number before anything else about it is read.
 * "Better" is a higher score, then, between equal scores, the smaller (stream, writer, seq) in
 * UTF-8 byte order. Arrays start small and grow, so a huge {@code k} over little data allocates
 * little. Not thread-safe.
 */
public final class TopK {
  /** One kept key with its score and the content hash its vector was indexed for. */
  public record Hit(String stream, String writer, long seq, byte[] contentHash, double score) {}

  private final int k;
  private double[] scores;
  private Hit[] hits;
  private int size;

  public TopK(int k) {
    this.k = k;
    int initial = Math.min(k, 64);
    scores = new double[initial];
    hits = new Hit[initial];
  }

  /**
   * Whether a row scoring {@code score} may be kept: the heap is not full, or the score is at least
   * the worst kept one (equal scores are decided by key in {@link #offer}).
   */
  public boolean admits(double score) {
    return size < k || score >= scores[0];
  }

  /** Keeps the key when it is among the best {@code k} seen. */
  public void offer(String stream, String writer, long seq, byte[] contentHash, double score) {
    Hit hit = new Hit(stream, writer, seq, contentHash, score);
    if (size < k) {
      if (size == scores.length) {
        int grown = (int) Math.min(k, Math.max(16L, 2L * size));
        scores = Arrays.copyOf(scores, grown);
        hits = Arrays.copyOf(hits, grown);
      }
      scores[size] = score;
      hits[size] = hit;
      siftUp(size++);
    } else if (worse(hits[0], hit)) {
      scores[0] = score;
      hits[0] = hit;
      siftDown(0);
    }
  }

  /** The kept keys, best first. */
  public List<Hit> best() {
    List<Hit> out = new ArrayList<>(Arrays.asList(hits).subList(0, size));
    out.sort((a, b) -> worse(a, b) ? 1 : worse(b, a) ? -1 : 0);
    return out;
  }

  /** Whether {@code a} ranks below {@code b}. */
  static boolean worse(Hit a, Hit b) {
    int byScore = Double.compare(a.score(), b.score());
    if (byScore != 0) {
      return byScore < 0;
    }
    return compareKeys(a, b) > 0;
  }

  /** Orders keys by stream, writer (UTF-8 byte order, which is code point order) and seq. */
  static int compareKeys(Hit a, Hit b) {
    int c = compareCodePoints(a.stream(), b.stream());
    if (c != 0) {
      return c;
    }
    c = compareCodePoints(a.writer(), b.writer());
    return c != 0 ? c : Long.compare(a.seq(), b.seq());
  }

  /** Compares by code point, unlike {@link String#compareTo}, which compares UTF-16 units. */
  static int compareCodePoints(String a, String b) {
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return Integer.compare(x, y);
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.compare(a.length() - i, b.length() - j);
  }

  private void siftUp(int at) {
    while (at > 0) {
      int parent = (at - 1) >>> 1;
      if (!worse(hits[at], hits[parent])) {
        return;
      }
      swap(at, parent);
      at = parent;
    }
  }

  private void siftDown(int at) {
    while (true) {
      int left = 2 * at + 1;
      if (left >= size) {
        return;
      }
      int right = left + 1;
      int worst = right < size && worse(hits[right], hits[left]) ? right : left;
      if (!worse(hits[worst], hits[at])) {
        return;
      }
      swap(at, worst);
      at = worst;
    }
  }

  private void swap(int a, int b) {
    double s = scores[a];
    scores[a] = scores[b];
    scores[b] = s;
    Hit h = hits[a];
    hits[a] = hits[b];
    hits[b] = h;
  }
}
