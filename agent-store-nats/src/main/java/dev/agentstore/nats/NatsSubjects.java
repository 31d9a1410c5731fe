package dev.agentstore.nats;

import dev.agentstore.InvalidInputException;
import dev.agentstore.spi.Checks;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The NATS subjects commits are published on: one per stream, {@code <prefix>.<stream token>}
 * (default prefix {@value #DEFAULT_PREFIX}), so a follower subscribes to exactly the streams it
 * follows and {@code <prefix>.>} hears them all.
 *
 * <p>A stream name becomes one subject token by escaping its UTF-8 bytes: ASCII letters, digits and
 * {@code -} stay as they are; every other byte (including {@code _}, {@code .}, {@code *}, {@code
 * >}, spaces and every non-ASCII byte) becomes {@code _} followed by two upper-case hex digits. So
 * {@code conv:demo} is {@code conv_3Ademo} and {@code a.b_c} is {@code a_2Eb_5Fc}. The escape is
 * one-to-one, the token uses only the characters NATS recommends, and it never contains a separator
 * or a wildcard. A 1,024-byte name (the longest a store accepts) takes at most 3,072 characters.
 *
 * <p>Immutable and thread-safe.
 *
 * @param prefix one or more tokens of ASCII letters, digits, {@code -} and {@code _}, joined by
 *     {@code .}
 */
public record NatsSubjects(String prefix) {
  /** The prefix of {@link #defaults()}. */
  public static final String DEFAULT_PREFIX = "agentstore.commits";

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");

  /**
   * Subjects under {@code prefix}: dot-separated tokens of letters, digits, {@code _} and {@code
   * -}.
   *
   * @param prefix one or more tokens of ASCII letters, digits, {@code -} and {@code _}, joined by
   *     {@code .}
   * @throws dev.agentstore.InvalidInputException when {@code prefix} is null or not of that form
   */
  public NatsSubjects {
    Checks.notNull(prefix, "prefix");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new InvalidInputException(
          "a subject prefix is tokens of ASCII letters, digits, '-' and '_' joined by '.', got \""
              + prefix
              + "\"");
    }
  }

  /**
   * Subjects under {@value #DEFAULT_PREFIX}.
   *
   * @return the default scheme
   */
  public static NatsSubjects defaults() {
    return new NatsSubjects(DEFAULT_PREFIX);
  }

  /**
   * {@return the subject of {@code stream}'s commits}
   *
   * @param stream the stream name, any text
   */
  public String subject(String stream) {
    return prefix + "." + escape(stream);
  }

  /** {@return the wildcard subject that matches every stream's commits} */
  public String allStreams() {
    return prefix + ".>";
  }

  /**
   * {@return the stream a subject of this scheme names; empty for any other subject}
   *
   * @param subject a NATS subject
   */
  public Optional<String> streamOf(String subject) {
    Checks.notNull(subject, "subject");
    String start = prefix + ".";
    if (!subject.startsWith(start) || subject.indexOf('.', start.length()) >= 0) {
      return Optional.empty();
    }
    try {
      return Optional.of(unescape(subject.substring(start.length())));
    } catch (InvalidInputException e) {
      return Optional.empty();
    }
  }

  /**
   * {@return {@code name} as one subject token (see the class description)}
   *
   * @param name a stream name, any text
   */
  public static String escape(String name) {
    Checks.notNull(name, "name");
    if (name.isEmpty()) {
      throw new InvalidInputException("a stream name is never empty");
    }
    ByteBuffer bytes;
    try {
      bytes =
          StandardCharsets.UTF_8
              .newEncoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .encode(CharBuffer.wrap(name));
    } catch (CharacterCodingException e) {
      throw new InvalidInputException(
          "stream name " + name + " has an unpaired surrogate and no UTF-8 form");
    }
    StringBuilder token = new StringBuilder(bytes.remaining());
    while (bytes.hasRemaining()) {
      int c = bytes.get() & 0xff;
      if (isPlain(c)) {
        token.append((char) c);
      } else {
        token.append('_').append(String.format(Locale.ROOT, "%02X", c));
      }
    }
    return token.toString();
  }

  /**
   * The name a token made by {@link #escape} stands for.
   *
   * @param token a subject token
   * @return the name the token stands for
   * @throws InvalidInputException when {@code token} is not such a token
   */
  public static String unescape(String token) {
    Checks.notNull(token, "token");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (isPlain(c)) {
        bytes.write(c);
        continue;
      }
      int escaped = c == '_' ? upperHexByte(token, i + 1) : -1;
      // A byte that escape() would have left plain makes a second spelling: refused.
      if (escaped < 0 || isPlain(escaped)) {
        throw new InvalidInputException("not an escaped stream token: " + token);
      }
      bytes.write(escaped);
      i += 2;
    }
    if (bytes.size() == 0) {
      throw new InvalidInputException("an empty token names no stream");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new InvalidInputException("token is not escaped UTF-8: " + token);
    }
  }

  private static boolean isPlain(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }

  /** The byte written as two upper-case hex digits at {@code at}, or -1. */
  private static int upperHexByte(String token, int at) {
    if (at + 2 > token.length()) {
      return -1;
    }
    int value = 0;
    for (int k = at; k < at + 2; k++) {
      char h = token.charAt(k);
      int digit = (h >= '0' && h <= '9') ? h - '0' : (h >= 'A' && h <= 'F') ? h - 'A' + 10 : -1;
      if (digit < 0) {
        return -1;
      }
      value = value * 16 + digit;
    }
    return value;
  }
}
