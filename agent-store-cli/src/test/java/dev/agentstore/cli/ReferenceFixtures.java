package dev.agentstore.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.agentstore.Backend;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The stores the reference Rust crate wrote and their manifests (test resources under {@code
 * fixtures/}), and the same manifest read back from any store with plain SQL, so that a store the
 * command wrote can be compared with {@code reference.json} field for field.
 */
final class ReferenceFixtures {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  /** UTF-8 byte order, the order of the manifest (and of the command's listings). */
  static final Comparator<String> UTF8_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private ReferenceFixtures() {}

  /**
   * Copies the fixture {@code name} (e.g. {@code tamper/edit.db}) into {@code dir} and returns the
   * copy; tests never open a resource in place.
   */
  static Path copy(String name, Path dir) {
    Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
    try (InputStream in = open(name)) {
      Files.copy(in, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  /** The fixture {@code name} parsed as JSON; integers stay exact, never doubles. */
  static JsonNode json(String name) {
    try (InputStream in = open(name)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** {@code reference.json}: every entry, head and generation of {@code reference.db}. */
  static JsonNode manifest() {
    return json("reference.json");
  }

  private static InputStream open(String name) {
    InputStream in = ReferenceFixtures.class.getResourceAsStream("/fixtures/" + name);
    return Objects.requireNonNull(in, () -> "missing test resource fixtures/" + name);
  }

  private record Row(
      String stream, String writer, long seq, byte[] prev, byte[] hash, byte[] payload) {}

  /**
   * The manifest of the log and generation tables {@code log} and {@code meta} of {@code db}, in
   * the shape and order of {@code reference.json} ({@code entries}, {@code heads}, {@code
   * generations}), read with plain SQL rather than through agent-store's reading code.
   */
  static JsonNode manifestOf(Backend db, String log, String meta) {
    List<Row> rows =
        new ArrayList<>(
            db.query(
                "SELECT stream, writer, seq, prev_hash, content_hash, payload FROM " + log,
                r ->
                    new Row(
                        r.getString(1),
                        r.getString(2),
                        r.getLong(3),
                        r.getBytes(4),
                        r.getBytes(5),
                        r.getBytes(6))));
    rows.sort(
        Comparator.comparing(Row::stream, UTF8_ORDER)
            .thenComparing(Row::writer, UTF8_ORDER)
            .thenComparingLong(Row::seq));
    ObjectNode manifest = JSON.createObjectNode();
    ArrayNode entries = manifest.putArray("entries");
    ArrayNode heads = manifest.putArray("heads");
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      entries
          .addObject()
          .put("stream", row.stream())
          .put("writer", row.writer())
          .put("seq", row.seq())
          .put("prev_hash", row.prev() == null ? null : HEX.formatHex(row.prev()))
          .put("content_hash", HEX.formatHex(row.hash()))
          .put("payload_hex", HEX.formatHex(row.payload()));
      boolean last =
          i + 1 == rows.size()
              || !rows.get(i + 1).stream().equals(row.stream())
              || !rows.get(i + 1).writer().equals(row.writer());
      if (last) {
        long count =
            rows.stream()
                .filter(r -> r.stream().equals(row.stream()) && r.writer().equals(row.writer()))
                .count();
        heads
            .addObject()
            .put("stream", row.stream())
            .put("writer", row.writer())
            .put("seq", row.seq())
            .put("content_hash", HEX.formatHex(row.hash()))
            .put("count", count);
      }
    }
    record Counter(String key, long value) {}
    List<Counter> counters =
        new ArrayList<>(
            db.query(
                "SELECT key, ival FROM " + meta, r -> new Counter(r.getString(1), r.getLong(2))));
    counters.sort(Comparator.comparing(Counter::key, UTF8_ORDER));
    ArrayNode generations = manifest.putArray("generations");
    for (Counter counter : counters) {
      generations.addObject().put("key", counter.key()).put("value", counter.value());
    }
    // Through text and back, so that numbers compare equal to those parsed from reference.json.
    try {
      return JSON.readTree(JSON.writeValueAsString(manifest));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The cells of the table rows in the command's text output: every line between the header that
   * starts with {@code header} and the next blank line, split at runs of two or more spaces (no
   * cell in these tests contains two spaces in a row).
   */
  static List<List<String>> tableRows(String out, String header) {
    List<String> lines = out.lines().toList();
    int start = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).startsWith(header)) {
        start = i + 1;
        break;
      }
    }
    if (start < 0) {
      throw new AssertionError("no table with header " + header + " in:\n" + out);
    }
    List<List<String>> rows = new ArrayList<>();
    for (int i = start; i < lines.size() && !lines.get(i).isEmpty(); i++) {
      rows.add(List.of(lines.get(i).strip().split(" {2,}")));
    }
    return rows;
  }
}
