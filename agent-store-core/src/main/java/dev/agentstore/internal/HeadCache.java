package dev.agentstore.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The last head this process saw per chain: a guess that lets an append be one statement. Never
 * trusted: the guarded insert only succeeds when the guessed head really is the head, so a stale or
 * wrong guess costs one more round trip, never a fork or a gap.
 */
final class HeadCache {
  private static final int MAX_CHAINS = 16_384;

  record Guess(long seq, byte @Nullable [] hash) {}

  private record Chain(String stream, String writer) {}

  private final ConcurrentHashMap<Chain, Guess> guesses = new ConcurrentHashMap<>();

  /**
   * Chains that another process appended to between two appends of this one, and where the
   * one-statement append lost its race: until an append finds the head it expected, appends take
   * the locked path at once, since a guess made here would only lose again.
   */
  private final Set<Chain> contended = ConcurrentHashMap.newKeySet();

  @Nullable Guess get(String stream, String writer) {
    return guesses.get(new Chain(stream, writer));
  }

  void put(String stream, String writer, long seq, byte[] hash) {
    if (guesses.size() >= MAX_CHAINS) {
      // Forgetting is always safe; it only costs a head read on the next append.
      guesses.clear();
    }
    guesses.put(new Chain(stream, writer), new Guess(seq, hash));
  }

  boolean contended(String stream, String writer) {
    return !contended.isEmpty() && contended.contains(new Chain(stream, writer));
  }

  void contended(String stream, String writer, boolean isContended) {
    Chain chain = new Chain(stream, writer);
    if (isContended) {
      if (contended.size() >= MAX_CHAINS) {
        contended.clear();
      }
      contended.add(chain);
    } else if (!contended.isEmpty()) {
      contended.remove(chain);
    }
  }

  void forget(String stream, String writer) {
    guesses.remove(new Chain(stream, writer));
  }
}
