package dev.agentstore;

import dev.agentstore.internal.Json;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Finds the text of an entry that semantic recall embeds: the payload itself when it is UTF-8 text,
 * or, when the payload is a JSON object, the string value of the first configured member present at
 * its top level (for example {@code text}, then {@code content}).
 *
 * <p>The rules, in order:
 *
 * <ol>
 *   <li>a payload that is not well-formed UTF-8 (binary data, a truncated sequence, an encoded
 *       surrogate) has no text: the empty string;
 *   <li>a payload that is a JSON object gives the value of the first of {@link #fields()} whose
 *       top-level member is a string; members of nested objects are not looked at, and a member
 *       holding a number, boolean, null, array or object is passed over. An object with none of
 *       them has no text: the empty string;
 *   <li>anything else (plain text, a JSON array or string, text that only starts like JSON) is
 *       embedded as it is.
 * </ol>
 *
 * <p>Text that is empty or only white space after these rules is returned as the empty string, so a
 * caller skips every entry with nothing to embed by one test: {@code text.isEmpty()}.
 *
 * <p>JSON is read by the core's own strict parser of RFC 8259: every number JSON allows (fractions,
 * exponents, integers beyond 64 bits) is read and passed over, while a payload that is not JSON by
 * that grammar (a number such as {@code 01} or {@code NaN}, a duplicate member name) is embedded as
 * its whole text (rule 3). Objects nested deeper than {@value #MAX_DEPTH} levels are treated the
 * same way.
 *
 * <p>Immutable and safe to share between threads.
 */
public final class EntryText {

  /** How deeply a JSON payload may nest before it is embedded as plain text instead of parsed. */
  public static final int MAX_DEPTH = 64;

  private static final EntryText DEFAULT = new EntryText(List.of("text", "content"));

  private final List<String> fields;

  private EntryText(List<String> fields) {
    this.fields = fields;
  }

  /**
   * {@return the extractor that reads the {@code text} member of a JSON object, else its {@code
   * content} member}
   */
  public static EntryText defaults() {
    return DEFAULT;
  }

  /**
   * An extractor that reads the first of {@code fields} found in a JSON object payload.
   *
   * @param fields member names in order of preference; at least one, none empty
   * @return the extractor
   * @throws InvalidInputException when {@code fields} is empty, or one of them is null or empty
   */
  public static EntryText fields(List<String> fields) {
    if (fields == null || fields.isEmpty()) {
      throw new InvalidInputException("EntryText fields must name at least one JSON member");
    }
    for (int i = 0; i < fields.size(); i++) {
      String field = fields.get(i);
      if (field == null || field.isEmpty()) {
        throw new InvalidInputException(
            "EntryText fields[" + i + "] must be a non-empty JSON member name, got " + field);
      }
    }
    return new EntryText(List.copyOf(fields));
  }

  /**
   * {@link #fields(List)} with the names given in place.
   *
   * @param fields member names in order of preference; at least one, none empty
   * @return the extractor
   * @throws InvalidInputException when no field is given, or one of them is null or empty
   */
  public static EntryText fields(String... fields) {
    if (fields == null) {
      throw new InvalidInputException("EntryText fields must name at least one JSON member");
    }
    return fields(Arrays.asList(fields));
  }

  /** {@return the JSON member names read, in order of preference} */
  public List<String> fields() {
    return fields;
  }

  /**
   * The text to embed for {@code entry}, by the rules of this class.
   *
   * @param entry the entry
   * @return the text, or the empty string when the entry has none
   * @throws InvalidInputException when {@code entry} is null
   */
  public String of(Entry entry) {
    if (entry == null) {
      throw new InvalidInputException("EntryText.of needs an entry, got null");
    }
    return ofPayload(entry.payload());
  }

  /**
   * The text to embed for a payload, by the rules of this class.
   *
   * @param payload the payload bytes; not changed
   * @return the text, or the empty string when the payload has none
   * @throws InvalidInputException when {@code payload} is null
   */
  public String ofPayload(byte[] payload) {
    if (payload == null) {
      throw new InvalidInputException("EntryText.ofPayload needs a payload, got null");
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(payload))
              .toString();
    } catch (CharacterCodingException notUtf8) {
      return "";
    }
    if (looksLikeObject(text) && nestsAtMost(text, MAX_DEPTH)) {
      @Nullable Object parsed;
      try {
        parsed = Json.parse(text);
      } catch (IllegalArgumentException notJson) {
        parsed = null;
      }
      if (parsed instanceof Map<?, ?> object) {
        for (String field : fields) {
          if (object.get(field) instanceof String value) {
            return value.isBlank() ? "" : value;
          }
        }
        return "";
      }
    }
    return text.isBlank() ? "" : text;
  }

  private static boolean looksLikeObject(CharSequence text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return c == '{';
      }
    }
    return false;
  }

  /**
   * Whether brackets outside strings nest at most {@code limit} deep: the parser recurses once per
   * level, and a payload of a million {@code [} must not exhaust the caller's stack.
   */
  private static boolean nestsAtMost(CharSequence text, int limit) {
    int depth = 0;
    boolean inString = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (inString) {
        if (c == '\\') {
          i++;
        } else if (c == '"') {
          inString = false;
        }
      } else if (c == '"') {
        inString = true;
      } else if (c == '{' || c == '[') {
        if (++depth > limit) {
          return false;
        }
      } else if (c == '}' || c == ']') {
        depth--;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "EntryText" + fields;
  }
}
