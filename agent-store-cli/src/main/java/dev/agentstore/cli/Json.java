package dev.agentstore.cli;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A small streaming JSON writer: compact output, strings escaped per RFC 8259, integers written
 * exactly (a 64-bit value never passes through a double), and a newline before each element of an
 * array so that long outputs stay readable line by line.
 */
final class Json {
  private final PrintWriter out;
  private final Deque<Boolean> firstInScope = new ArrayDeque<>();
  private final Deque<Boolean> arrayScope = new ArrayDeque<>();
  private boolean afterName;

  Json(PrintWriter out) {
    this.out = out;
  }

  Json beginObject() {
    beforeValue();
    out.print('{');
    push(false);
    return this;
  }

  Json endObject() {
    pop();
    out.print('}');
    return endDocumentIfDone();
  }

  Json beginArray() {
    beforeValue();
    out.print('[');
    push(true);
    return this;
  }

  Json endArray() {
    boolean empty = firstInScope.peek();
    pop();
    if (!empty) {
      out.print('\n');
    }
    out.print(']');
    return endDocumentIfDone();
  }

  Json name(String name) {
    separate();
    string(name);
    out.print(':');
    afterName = true;
    return this;
  }

  Json value(@Nullable String value) {
    beforeValue();
    if (value == null) {
      out.print("null");
    } else {
      string(value);
    }
    return endDocumentIfDone();
  }

  Json value(long value) {
    beforeValue();
    out.print(value);
    return endDocumentIfDone();
  }

  /** A number with six decimals (a similarity score). */
  Json value(double value) {
    beforeValue();
    out.print(String.format(java.util.Locale.ROOT, "%.6f", value));
    return endDocumentIfDone();
  }

  Json field(String name, double value) {
    return name(name).value(value);
  }

  Json value(boolean value) {
    beforeValue();
    out.print(value);
    return endDocumentIfDone();
  }

  Json field(String name, @Nullable String value) {
    return name(name).value(value);
  }

  Json field(String name, long value) {
    return name(name).value(value);
  }

  Json field(String name, boolean value) {
    return name(name).value(value);
  }

  private void beforeValue() {
    if (afterName) {
      afterName = false;
      return;
    }
    separate();
  }

  private void separate() {
    if (firstInScope.isEmpty()) {
      return;
    }
    if (!firstInScope.pop()) {
      out.print(',');
    }
    firstInScope.push(false);
    if (arrayScope.peek()) {
      out.print('\n');
    }
  }

  private void push(boolean array) {
    firstInScope.push(true);
    arrayScope.push(array);
  }

  private void pop() {
    firstInScope.pop();
    arrayScope.pop();
  }

  private Json endDocumentIfDone() {
    if (firstInScope.isEmpty()) {
      out.println();
    }
    return this;
  }

  private void string(String text) {
    StringBuilder s = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        case '\t' -> s.append("\\t");
        default -> {
          if (c < 0x20
              || c == 0x7f
              || c == '\u2028'
              || c == '\u2029'
              || Character.isSurrogate(c) && !validPair(text, i)) {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    out.print(s.append('"'));
  }

  private static boolean validPair(String text, int i) {
    char c = text.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
  }
}
