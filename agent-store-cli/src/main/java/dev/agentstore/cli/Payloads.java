package dev.agentstore.cli;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/** How payloads and hashes are shown: UTF-8 text when the bytes are valid UTF-8, else hex. */
final class Payloads {
  private static final HexFormat HEX = HexFormat.of();

  /** Characters of a hash shown in tables meant for people. */
  static final int SHORT_HASH = 12;

  private Payloads() {}

  /** The payload as text, when it is valid UTF-8 (strict: malformed or truncated input is not). */
  static Optional<String> utf8(byte[] payload) {
    try {
      return Optional.of(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(payload))
              .toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  static String shortHex(byte[] bytes) {
    String full = hex(bytes);
    return full.length() <= SHORT_HASH ? full : full.substring(0, SHORT_HASH);
  }

  /**
   * Text on one line: control characters (newlines, tabs, escapes) shown as {@code \n}, {@code \t}
   * or {@code \}{@code u001b}, and backslashes doubled so that the escapes are unambiguous.
   */
  static String oneLine(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.toString();
  }
}
