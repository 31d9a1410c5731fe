package dev.agentstore.internal;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Canonical JSON for signed documents, written by hand because the core has no JSON dependency.
 *
 * <p>{@link #canonical} writes objects with their keys sorted (by UTF-16 code units, the same as
 * byte order for the ASCII keys used here), no whitespace, integers as decimal {@code long}s,
 * strings with only {@code "}, {@code \} and the control characters U+0000..U+001F escaped (the
 * latter as <code>&#92;u00xx</code>, lower-case hex) and every other character as itself in UTF-8.
 * {@link #parse} reads any JSON text of RFC 8259.
 */
public final class Json {
  private Json() {}

  /** The canonical text of {@code value}: a Map with String keys, List, String, Long, Boolean. */
  public static String canonical(@Nullable Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value);
    return out.toString();
  }

  private static void write(StringBuilder out, @Nullable Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof String text) {
      quote(out, text);
    } else if (value instanceof Long || value instanceof Integer || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      TreeMap<String, @Nullable Object> sorted = new TreeMap<>();
      for (Map.Entry<?, ?> member : map.entrySet()) {
        sorted.put((String) member.getKey(), member.getValue());
      }
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, @Nullable Object> member : sorted.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        quote(out, member.getKey());
        out.append(':');
        write(out, member.getValue());
      }
      out.append('}');
    } else if (value instanceof List<?> list) {
      out.append('[');
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          out.append(',');
        }
        write(out, list.get(i));
      }
      out.append(']');
    } else {
      throw new IllegalArgumentException("no JSON form for " + value.getClass().getName());
    }
  }

  private static void quote(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }

  /**
   * Parses {@code text}: objects as insertion-ordered Maps, arrays as Lists, integers that fit in
   * 64 bits as Long, other numbers (fractions, exponents, larger integers) as exact BigDecimals.
   *
   * @throws IllegalArgumentException saying what is wrong and at which character
   */
  public static @Nullable Object parse(String text) {
    Parser parser = new Parser(text);
    Object value = parser.value();
    parser.space();
    if (parser.at < text.length()) {
      throw parser.error("unexpected text after the JSON value");
    }
    return value;
  }

  private static final class Parser {
    private final String text;
    private int at;

    Parser(String text) {
      this.text = text;
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at character " + at);
    }

    void space() {
      while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
        at++;
      }
    }

    char peek() {
      space();
      if (at >= text.length()) {
        throw error("unexpected end of text");
      }
      return text.charAt(at);
    }

    void expect(char c) {
      if (peek() != c) {
        throw error("expected '" + c + "'");
      }
      at++;
    }

    @Nullable Object value() {
      char c = peek();
      if (c == '{') {
        return object();
      }
      if (c == '[') {
        return array();
      }
      if (c == '"') {
        return string();
      }
      if (c == '-' || (c >= '0' && c <= '9')) {
        return number();
      }
      for (String word : List.of("true", "false", "null")) {
        if (text.startsWith(word, at)) {
          at += word.length();
          return word.equals("null") ? null : Boolean.valueOf(word);
        }
      }
      throw error("unexpected character '" + c + "'");
    }

    Map<String, @Nullable Object> object() {
      expect('{');
      Map<String, @Nullable Object> members = new LinkedHashMap<>();
      if (peek() == '}') {
        at++;
        return members;
      }
      while (true) {
        if (peek() != '"') {
          throw error("expected a member name");
        }
        String name = string();
        expect(':');
        if (members.containsKey(name)) {
          throw error("duplicate member \"" + name + "\"");
        }
        members.put(name, value());
        if (peek() == ',') {
          at++;
          continue;
        }
        expect('}');
        return members;
      }
    }

    List<@Nullable Object> array() {
      expect('[');
      List<@Nullable Object> items = new ArrayList<>();
      if (peek() == ']') {
        at++;
        return items;
      }
      while (true) {
        items.add(value());
        if (peek() == ',') {
          at++;
          continue;
        }
        expect(']');
        return items;
      }
    }

    /**
     * A number of RFC 8259's grammar: a Long when it is an integer that fits in 64 bits, otherwise
     * (a fraction, an exponent, a larger integer) the exact BigDecimal of its text.
     */
    Number number() {
      int start = at;
      if (text.charAt(at) == '-') {
        at++;
      }
      int integer = digits();
      if (integer == 0) {
        throw error("expected a digit");
      }
      if (integer > 1 && text.charAt(at - integer) == '0') {
        at -= integer - 1;
        throw error("a number must not begin with 0");
      }
      boolean whole = true;
      if (at < text.length() && text.charAt(at) == '.') {
        at++;
        whole = false;
        if (digits() == 0) {
          throw error("expected a digit after '.'");
        }
      }
      if (at < text.length() && (text.charAt(at) == 'e' || text.charAt(at) == 'E')) {
        at++;
        whole = false;
        if (at < text.length() && (text.charAt(at) == '+' || text.charAt(at) == '-')) {
          at++;
        }
        if (digits() == 0) {
          throw error("expected a digit in the exponent");
        }
      }
      String number = text.substring(start, at);
      if (whole) {
        try {
          return Long.parseLong(number);
        } catch (NumberFormatException beyond64Bits) {
          // Kept exactly below.
        }
      }
      try {
        return new BigDecimal(number);
      } catch (NumberFormatException e) {
        at = start;
        throw error("a number whose exponent is out of range");
      }
    }

    /** Skips the decimal digits at the current position; returns how many there were. */
    private int digits() {
      int start = at;
      while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
        at++;
      }
      return at - start;
    }

    String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        if (at >= text.length()) {
          throw error("unterminated string");
        }
        char c = text.charAt(at++);
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
        if (at >= text.length()) {
          throw error("unterminated string");
        }
        char e = text.charAt(at++);
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
            } catch (NumberFormatException x) {
              throw error("bad \\u escape");
            }
            at += 4;
          }
          default -> throw error("bad escape \\" + e);
        }
      }
    }
  }
}
