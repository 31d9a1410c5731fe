package dev.agentstore.internal;

import org.bouncycastle.crypto.digests.Blake3Digest;
import org.jspecify.annotations.Nullable;

/**
 * BLAKE3 in plain hash mode with a 32-byte output, as the reference crate uses it. An instance
 * reuses one digest and is therefore not thread-safe; the static helpers make their own.
 */
public final class Blake3 {
  public static final int HASH_BYTES = 32;

  private final Blake3Digest digest = new Blake3Digest(HASH_BYTES * 8);

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
    return new Blake3().chain(null, data);
  }

  /** The content hash of an entry: {@code BLAKE3(prev || payload)}. */
  public static byte[] contentHash(byte @Nullable [] prev, byte[] payload) {
    return new Blake3().chain(prev, payload);
  }
}
