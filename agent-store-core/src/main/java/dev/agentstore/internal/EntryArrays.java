package dev.agentstore.internal;

import dev.agentstore.Entry;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Lets the library build an {@link Entry} around a payload array it owns, and read an entry's
 * payload, without the defensive copies {@code Entry} makes for everyone else. A payload is the one
 * large thing an entry holds: an {@code appendAll} of 160 MiB would otherwise hold the caller's
 * arrays, the library's copy, the entries' copies and the copies bound to the batch at once.
 *
 * <p>Only arrays nobody else can reach may be handed over: a fresh copy of the caller's payload, or
 * one the driver just returned.
 */
public final class EntryArrays {
  /** The array the current thread is handing to the entry it is constructing. */
  private static final ThreadLocal<byte @Nullable []> HANDED_OVER = new ThreadLocal<>();

  private static volatile @Nullable Function<Entry, byte[]> payloadAccess;

  private EntryArrays() {}

  /** An entry that keeps {@code payload} itself; nothing else may hold or change the array. */
  public static Entry adopting(
      String stream,
      String writer,
      long seq,
      byte @Nullable [] prevHash,
      byte[] contentHash,
      byte[] payload) {
    HANDED_OVER.set(payload);
    try {
      return new Entry(stream, writer, seq, prevHash, contentHash, payload);
    } finally {
      HANDED_OVER.remove();
    }
  }

  /**
   * For {@code Entry}'s constructor: {@code payload} itself when this thread is handing it over
   * through {@link #adopting}, otherwise a copy.
   */
  public static byte[] keep(byte[] payload) {
    return HANDED_OVER.get() == payload ? payload : payload.clone();
  }

  /** For {@code Entry}'s class initialiser: how to read the payload an entry holds. */
  public static void payloadAccess(Function<Entry, byte[]> access) {
    if (payloadAccess == null) {
      payloadAccess = access;
    }
  }

  /** The payload {@code entry} holds, not a copy: for reading only, never to be changed. */
  public static byte[] payload(Entry entry) {
    Function<Entry, byte[]> access = payloadAccess;
    // Entry's initialiser sets it; an instance exists, so the class has been initialised.
    return access == null ? entry.payload() : access.apply(entry);
  }
}
