package dev.agentstore.internal;

import dev.agentstore.InvalidInputException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Checks the names users pass (streams, writers, generation keys) and payload sizes: {@link #check}
 * where this library writes a new name, {@link #accept} wherever it reads one.
 */
public final class Names {
  /** The longest name accepted, in UTF-8 bytes. */
  public static final int MAX_NAME_BYTES = 1024;

  /** The largest payload accepted, in bytes (16 MiB). */
  public static final int MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

  private Names() {}

  /**
   * Returns {@code value} when this library may write it as a new name: a name the tables can hold
   * (see {@link #accept}) that is also not empty and at most {@link #MAX_NAME_BYTES} in UTF-8. The
   * limits apply only to names this library writes (appends, bumps, sets); other writers, such as
   * the reference crate, may have stored names beyond them, and every read accepts those.
   *
   * @param what what the name is ("stream", "writer", "generation key")
   * @param context where it was used, appended to the message (may be empty)
   * @param nulAllowed whether the backend can store U+0000 in text
   */
  public static String check(
      String what, @Nullable String value, String context, boolean nulAllowed) {
    String name = accept(what, value, context, nulAllowed);
    if (name.isEmpty()) {
      throw new InvalidInputException(what + " must not be empty" + context);
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_NAME_BYTES) {
      throw new InvalidInputException(
          String.format(
              Locale.ROOT,
              "%s is %,d bytes in UTF-8; the limit is %,d bytes%s",
              what,
              bytes,
              MAX_NAME_BYTES,
              context));
    }
    return name;
  }

  /**
   * Returns {@code value} when the tables can hold it as a name, whatever its length, empty
   * included: what reads, verification, following, listing and importing accept, since the
   * reference format has no length limit. Refused are only null, an unpaired surrogate (no UTF-8
   * text holds one) and, where the backend cannot store it, U+0000.
   */
  public static String accept(
      String what, @Nullable String value, String context, boolean nulAllowed) {
    if (value == null) {
      throw new InvalidInputException(what + " must not be null" + context);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < value.length()
          && Character.isLowSurrogate(value.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new InvalidInputException(
            what
                + " "
                + quote(value)
                + " has an unpaired surrogate at index "
                + i
                + "; it cannot be stored as UTF-8"
                + context);
      } else if (c == 0 && !nulAllowed) {
        throw new InvalidInputException(
            what
                + " "
                + quote(value)
                + " contains a NUL character at index "
                + i
                + ", which this backend cannot store in text"
                + context);
      }
    }
    return value;
  }

  /** Returns {@code payload} when it is non-null and within {@link #MAX_PAYLOAD_BYTES}. */
  public static byte[] payload(byte @Nullable [] payload, String stream, String writer) {
    if (payload == null) {
      throw new InvalidInputException("payload must not be null (" + stream + "/" + writer + ")");
    }
    if (payload.length > MAX_PAYLOAD_BYTES) {
      throw new InvalidInputException(
          String.format(
              Locale.ROOT,
              "payload of %,d bytes for %s/%s exceeds the limit of %,d bytes",
              payload.length,
              stream,
              writer,
              MAX_PAYLOAD_BYTES));
    }
    return payload;
  }

  /** A name as it appears in messages: quoted, with control characters escaped, cut if long. */
  public static String quote(String value) {
    StringBuilder out = new StringBuilder("\"");
    int limit = Math.min(value.length(), 80);
    for (int i = 0; i < limit; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (value.length() > limit) {
      out.append("...");
    }
    return out.append('"').toString();
  }
}
