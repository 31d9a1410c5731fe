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

  /**
   * Per chain, the head that the last append signed ahead by a thread of this process will leave
   * once written: the next signed append to the chain signs on it, so that several appends to one
   * chain queued for the same group are each signed ahead on the head the one before it leaves,
   * rather than all on the last written head (which the leader would then sign again).
   */
  private final ConcurrentHashMap<Chain, Guess> signedAhead = new ConcurrentHashMap<>();

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

  /**
   * The head a signed append about to be signed ahead should sign on: the head the last append
   * signed ahead will leave, while that is past the remembered head (the append is still on its
   * way); the remembered head otherwise. Null when this process knows no head of the chain.
   */
  @Nullable Guess signingBase(String stream, String writer) {
    Chain chain = new Chain(stream, writer);
    Guess remembered = guesses.get(chain);
    Guess ahead = signedAhead.get(chain);
    if (ahead != null && (remembered == null || ahead.seq() > remembered.seq())) {
      return ahead;
    }
    return remembered;
  }

  /** Remembers {@code after} as the head a signed append, signed ahead, will leave. */
  void signedAhead(String stream, String writer, Guess after) {
    if (signedAhead.size() >= MAX_CHAINS) {
      signedAhead.clear();
    }
    signedAhead.put(new Chain(stream, writer), after);
  }

  /**
   * Forgets {@code after}, the head a signed append that failed would have left, unless a later
   * append has been signed ahead since (its own guess is then as good as any).
   */
  void signedAheadFailed(String stream, String writer, Guess after) {
    signedAhead.remove(new Chain(stream, writer), after);
  }
}
