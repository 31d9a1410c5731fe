package dev.agentstore.spi;

import dev.agentstore.InvalidInputException;
import dev.agentstore.internal.Hex;
import dev.agentstore.internal.Json;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The JSON text of a commit notice, {@code {"stream":…,"writer":…,"seq":…,"content_hash":…}}, as
 * PostgreSQL notifications and bus messages carry it. Written by hand because the core has no JSON
 * dependency: {@link #encode} writes the four members; {@link #decode} reads any flat object of
 * strings, integers, booleans and nulls (with the reader checkpoints use), ignores unknown members,
 * and refuses anything else.
 */
public final class CommitJson {
  private CommitJson() {}

  /** A decoded notice; a member that was absent (or null) is null here, {@code seq} 0. */
  public record Notice(
      @Nullable String stream, @Nullable String writer, long seq, @Nullable String contentHash) {}

  /**
   * {@return the JSON text of a notice; {@code contentHash} as lower-case hex}
   *
   * @param stream the committed entry's stream
   * @param writer the committed entry's writer
   * @param seq the committed entry's seq
   * @param contentHash the committed entry's 32-byte content hash
   */
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
   * @param json the notice text, as {@link #encode} writes it
   * @return the notice's fields
   * @throws InvalidInputException when {@code json} is not a flat JSON object or a member has the
   *     wrong type, naming what is wrong and where
   */
  public static Notice decode(String json) {
    Object parsed;
    try {
      parsed = Json.parse(Checks.notNull(json, "json"));
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a commit notice: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> object)) {
      throw new InvalidInputException("not a commit notice: not a JSON object");
    }
    Map<String, @Nullable Object> members = new HashMap<>();
    for (Map.Entry<?, ?> member : object.entrySet()) {
      Object value = member.getValue();
      if (value instanceof Map<?, ?> || value instanceof List<?>) {
        throw new InvalidInputException(
            "not a commit notice: member " + member.getKey() + " is not a flat value");
      }
      members.put((String) member.getKey(), value);
    }
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
}
