package dev.agentstore.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.agentstore.Entry;
import dev.agentstore.Head;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.crypto.digests.Blake3Digest;

/**
 * The stores and manifests the reference Rust crate wrote (test resources under {@code fixtures/}),
 * and the independent computations the interop tests check agent-store against: BLAKE3 straight
 * from BouncyCastle's digest, hex from the JDK. Nothing here goes through agent-store's own hashing
 * or parsing code.
 */
public final class Fixtures {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HexFormat HEX = HexFormat.of();

  /** UTF-8 byte order, the order the reference crate lists streams and writers in. */
  public static final Comparator<String> UTF8_ORDER =
      (a, b) ->
          Arrays.compareUnsigned(
              a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));

  private Fixtures() {}

  /**
   * Copies the fixture {@code name} (a path under {@code fixtures/}, e.g. {@code tamper/edit.db})
   * into {@code dir} and returns the copy. Tests open copies only, never a resource in place.
   */
  public static Path copy(String name, Path dir) {
    Path target = dir.resolve(name.substring(name.lastIndexOf('/') + 1));
    try (InputStream in = open(name)) {
      Files.copy(in, target);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return target;
  }

  /** The bytes of the fixture {@code name}. */
  public static byte[] bytes(String name) {
    try (InputStream in = open(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The fixture {@code name} parsed as JSON; integers stay exact ({@code long}), never doubles. */
  public static JsonNode json(String name) {
    try (InputStream in = open(name)) {
      return JSON.readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static InputStream open(String name) {
    InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name);
    return Objects.requireNonNull(in, () -> "missing test resource fixtures/" + name);
  }

  /** {@code BLAKE3(parts[0] || parts[1] || ...)}, 32 bytes, computed with BouncyCastle directly. */
  public static byte[] blake3(byte[]... parts) {
    Blake3Digest digest = new Blake3Digest(256);
    for (byte[] part : parts) {
      digest.update(part, 0, part.length);
    }
    byte[] out = new byte[32];
    digest.doFinal(out, 0);
    return out;
  }

  /**
   * The content hash rule of the format: {@code BLAKE3(prev || payload)}, prev omitted at seq 1.
   */
  public static byte[] contentHash(byte[] prev, byte[] payload) {
    return prev == null ? blake3(payload) : blake3(prev, payload);
  }

  public static byte[] sha256(Path file) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] unhex(String hex) {
    return HEX.parseHex(hex);
  }

  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A {@code (stream, writer)} pair. */
  public record Chain(String stream, String writer) {
    @Override
    public String toString() {
      return stream + "/" + writer;
    }
  }

  /** {@code reference.json}, the manifest of every entry, head and generation of reference.db. */
  public record Manifest(
      List<Entry> entries, List<Head> heads, List<Long> counts, Map<String, Long> generations) {

    public static Manifest load() {
      JsonNode root = json("reference.json");
      List<Entry> entries = new ArrayList<>();
      for (JsonNode e : root.get("entries")) {
        JsonNode prev = e.get("prev_hash");
        entries.add(
            new Entry(
                e.get("stream").textValue(),
                e.get("writer").textValue(),
                exactLong(e.get("seq")),
                prev.isNull() ? null : unhex(prev.textValue()),
                unhex(e.get("content_hash").textValue()),
                unhex(e.get("payload_hex").textValue())));
      }
      List<Head> heads = new ArrayList<>();
      List<Long> counts = new ArrayList<>();
      for (JsonNode h : root.get("heads")) {
        heads.add(
            new Head(
                h.get("stream").textValue(),
                h.get("writer").textValue(),
                exactLong(h.get("seq")),
                unhex(h.get("content_hash").textValue())));
        counts.add(exactLong(h.get("count")));
      }
      Map<String, Long> generations = new LinkedHashMap<>();
      for (JsonNode g : root.get("generations")) {
        generations.put(g.get("key").textValue(), exactLong(g.get("value")));
      }
      return new Manifest(
          List.copyOf(entries), List.copyOf(heads), List.copyOf(counts), generations);
    }

    /** Every chain, in the manifest's order. */
    public List<Chain> chains() {
      return heads.stream().map(h -> new Chain(h.stream(), h.writer())).toList();
    }

    /** The entries of one chain, in seq order. */
    public List<Entry> entriesOf(Chain chain) {
      return entries.stream()
          .filter(e -> e.stream().equals(chain.stream()) && e.writer().equals(chain.writer()))
          .toList();
    }

    public Head headOf(Chain chain) {
      return heads.stream()
          .filter(h -> h.stream().equals(chain.stream()) && h.writer().equals(chain.writer()))
          .findFirst()
          .orElseThrow();
    }
  }

  /** A JSON integer as a {@code long}, refusing anything a double or a cast could have rounded. */
  public static long exactLong(JsonNode node) {
    if (!node.isIntegralNumber() || !node.canConvertToLong()) {
      throw new IllegalArgumentException("not an exact 64-bit integer: " + node);
    }
    return node.longValue();
  }
}
