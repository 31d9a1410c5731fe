package dev.agentstore.spi;

import dev.agentstore.InvalidInputException;
import dev.agentstore.internal.Hex;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON text of a commit notice, {@code {"stream":…,"writer":…,"seq":…,"content_hash":…}}, as
 * PostgreSQL notifications and bus messages carry it. Written by hand because the core has no JSON
 * dependency: {@link #encode} writes the four members; {@link #decode} reads any flat object of
 * strings, integers, booleans and nulls, ignores unknown members, and refuses anything else.
 */
public final class CommitJson {
  private CommitJson() {}

  /** A decoded notice; a member that was absent (or null) is null here, {@code seq} 0. */
  public record Notice(
      @Nullable String stream, @Nullable String writer, long seq, @Nullable String contentHash) {}

  /** The JSON text of a notice; {@code contentHash} as lower-case hex. */
  public static String encode(String stream, String writer, long seq, byte[] contentHash) {
    Checks.notNull(stream, "stream");
    Checks.notNull(writer, "writer");
    Checks.notNull(contentHash, "contentHash");
    StringBuilder json = new StringBuilder(96 + stream.length() + writer.length());
    json.append("{\"stream\":");
    quote(json, stream);
    json.append(",\"writer\":");
    quote(json, writer);
    json.append(",\"seq\":").append(seq);
    json.append(",\"content_hash\":\"").append(Hex.encode(contentHash)).append("\"}");
    return json.toString();
  }

  /**
   * Reads a notice.
   *
   * @throws InvalidInputException when {@code json} is not a flat JSON object or a member has the
   *     wrong type, naming what is wrong and where
   */
  public static Notice decode(String json) {
    Map<String, @Nullable Object> members = new Parser(Checks.notNull(json, "json")).object();
    Object seq = members.get("seq");
    if (seq != null && !(seq instanceof Long)) {
      throw new InvalidInputException("seq is not an integer");
    }
    return new Notice(
        string(members, "stream"),
        string(members, "writer"),
        seq == null ? 0 : (Long) seq,
        string(members, "content_hash"));
  }

  private static @Nullable String string(Map<String, @Nullable Object> members, String name) {
    Object value = members.get(name);
    if (value != null && !(value instanceof String)) {
      throw new InvalidInputException(name + " is not a string");
    }
    return (String) value;
  }

  private static void quote(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> json.append("\\\"");
        case '\\' -> json.append("\\\\");
        case '\n' -> json.append("\\n");
        case '\r' -> json.append("\\r");
        case '\t' -> json.append("\\t");
        default -> {
          // Control characters, and unpaired surrogates which UTF-8 could not carry, as escapes.
          boolean lone =
              Character.isSurrogate(c)
                  && !(Character.isHighSurrogate(c)
                      && i + 1 < text.length()
                      && Character.isLowSurrogate(text.charAt(i + 1)))
                  && !(Character.isLowSurrogate(c)
                      && i > 0
                      && Character.isHighSurrogate(text.charAt(i - 1)));
          if (c < 0x20 || c == 0x7f || lone) {
            json.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            json.append(c);
          }
        }
      }
    }
    json.append('"');
  }

  /** A recursive-descent reader of one flat JSON object. */
  private static final class Parser {
    private final String text;
    private int at;

    Parser(String text) {
      this.text = text;
    }

    Map<String, @Nullable Object> object() {
      Map<String, @Nullable Object> members = new HashMap<>();
      skipSpace();
      expect('{');
      skipSpace();
      if (peek() == '}') {
        at++;
      } else {
        while (true) {
          skipSpace();
          String name = string();
          skipSpace();
          expect(':');
          skipSpace();
          members.put(name, value());
          skipSpace();
          char c = next();
          if (c == '}') {
            break;
          }
          if (c != ',') {
            throw error("expected ',' or '}'");
          }
        }
      }
      skipSpace();
      if (at != text.length()) {
        throw error("text after the object");
      }
      return members;
    }

    private @Nullable Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        int start = at;
        if (c == '-') {
          at++;
        }
        while (at < text.length() && Character.isDigit(text.charAt(at))) {
          at++;
        }
        try {
          return Long.parseLong(text.substring(start, at));
        } catch (NumberFormatException e) {
          throw error("not a 64-bit integer");
        }
      }
      for (String word : new String[] {"true", "false", "null"}) {
        if (text.startsWith(word, at)) {
          at += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      throw error("unsupported value");
    }

    private String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        char c = next();
        if (c == '"') {
          return out.toString();
        }
        if (c < 0x20) {
          throw error("control character in a string");
        }
        if (c != '\\') {
          out.append(c);
          continue;
        }
        char e = next();
        switch (e) {
          case '"', '\\', '/' -> out.append(e);
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case 'u' -> {
            if (at + 4 > text.length()) {
              throw error("short \\u escape");
            }
            try {
              out.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
            } catch (NumberFormatException ex) {
              throw error("bad \\u escape");
            }
            at += 4;
          }
          default -> throw error("bad escape");
        }
      }
    }

    private void skipSpace() {
      while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
    }

    private char peek() {
      if (at >= text.length()) {
        throw error("unexpected end");
      }
      return text.charAt(at);
    }

    private char next() {
      char c = peek();
      at++;
      return c;
    }

    private void expect(char c) {
      if (next() != c) {
        throw error("expected '" + c + "'");
      }
    }

    private InvalidInputException error(String what) {
      return new InvalidInputException("malformed commit notice at offset " + at + ": " + what);
    }
  }
}
