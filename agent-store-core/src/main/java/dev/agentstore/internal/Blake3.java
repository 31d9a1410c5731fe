package dev.agentstore.internal;

import org.bouncycastle.crypto.digests.Blake3Digest;
import org.jspecify.annotations.Nullable;

/**
 * BLAKE3 in plain hash mode with a 32-byte output, as the reference crate uses it. An instance
 * reuses one digest and is therefore not thread-safe; the static helpers use their thread's.
 */
public final class Blake3 {
  public static final int HASH_BYTES = 32;

  private static final ThreadLocal<Blake3> PER_THREAD = ThreadLocal.withInitial(Blake3::new);

  private final Blake3Digest digest = new Blake3Digest(HASH_BYTES * 8);

  /**
   * This thread's instance: a digest is a few hundred bytes of state that every append would
   * otherwise allocate and clear. {@code chain} leaves it reset, ready for the next caller.
   */
  public static Blake3 forThisThread() {
    return PER_THREAD.get();
  }

  /** {@code BLAKE3(prev || payload)}, or {@code BLAKE3(payload)} when {@code prev} is null. */
  public byte[] chain(byte @Nullable [] prev, byte[] payload) {
    if (prev != null) {
      digest.update(prev, 0, prev.length);
    }
    digest.update(payload, 0, payload.length);
    byte[] out = new byte[HASH_BYTES];
    digest.doFinal(out, 0);
    return out;
  }

  /** {@code BLAKE3(data)}. */
  public static byte[] hash(byte[] data) {
    return forThisThread().chain(null, data);
  }

  /** The content hash of an entry: {@code BLAKE3(prev || payload)}. */
  public static byte[] contentHash(byte @Nullable [] prev, byte[] payload) {
    return forThisThread().chain(prev, payload);
  }
}
