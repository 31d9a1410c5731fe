package dev.agentstore.internal;

import com.electronwill.nightconfig.core.UnmodifiableConfig;
import com.electronwill.nightconfig.core.io.ParsingException;
import com.electronwill.nightconfig.toml.TomlParser;
import dev.agentstore.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reads the flat key/value table of a store policy out of TOML text. Kept apart from {@code
 * StorePolicy} so that the TOML library is needed only by those who read TOML.
 */
public final class TomlPolicy {
  private TomlPolicy() {}

  /**
   * The keys of {@code section} (or of the whole document when {@code section} is null and it has
   * no {@code [store]} table); empty when the section is absent.
   */
  public static Map<String, Object> read(String toml, @Nullable String section, String source) {
    UnmodifiableConfig document;
    try {
      document = new TomlParser().parse(toml);
    } catch (ParsingException e) {
      throw new InvalidInputException("invalid TOML in " + source + ": " + e.getMessage());
    }
    UnmodifiableConfig table = document;
    String name = section;
    if (name == null && document.get("store") instanceof UnmodifiableConfig) {
      name = "store";
    }
    if (name != null) {
      Object value = document.get(java.util.List.of(name));
      if (value == null) {
        return Map.of();
      }
      if (!(value instanceof UnmodifiableConfig config)) {
        throw new InvalidInputException(
            "[" + name + "] in " + source + " must be a table, found " + describe(value));
      }
      table = config;
    }
    Map<String, Object> flat = new LinkedHashMap<>();
    for (UnmodifiableConfig.Entry entry : table.entrySet()) {
      Object value = entry.getValue();
      if (value instanceof UnmodifiableConfig) {
        throw new InvalidInputException(
            "unexpected table "
                + entry.getKey()
                + " in "
                + (name == null ? source : "[" + name + "] of " + source));
      }
      flat.put(entry.getKey(), value);
    }
    return flat;
  }

  private static String describe(Object value) {
    return value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
  }
}
