package dev.agentstore.interop;

import static dev.agentstore.interop.Fixtures.blake3;
import static dev.agentstore.interop.Fixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures.Chain;
import dev.agentstore.interop.Fixtures.Manifest;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store Java creates is one the reference crate can read: the exact tables of {@code schema.sql}
 * and hashes that an independent BLAKE3 over the raw rows reproduces.
 */
class JavaWrittenStoresMatchTheReferenceFormatTest {
  private static final Manifest MANIFEST = Manifest.load();
  private static final String TABLES =
      "SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY name";

  @TempDir Path dir;

  @Test
  void aJavaFileStoreHasExactlyTheReferenceSchema() {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("java.db"))) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      assertEquals(referenceTables(), store.query(TABLES, r -> r.getString(1)));
    }
  }

  @Test
  void anInMemoryStoreHasExactlyTheReferenceSchema() {
    try (SqliteBackend store = SqliteBackend.inMemory()) {
      Generation.ensureSchema(store);
      WriterLog.ensureSchema(store);
      assertEquals(referenceTables(), store.query(TABLES, r -> r.getString(1)));
    }
  }

  @Test
  void theSchemaSeenThroughTheRawConnectionIsTheReferenceSchema() throws SQLException {
    try (SqliteBackend store = SqliteBackend.open(dir.resolve("java.db"))) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      List<String> tables = new ArrayList<>();
      try (Statement statement = store.connection().createStatement();
          ResultSet rs = statement.executeQuery(TABLES)) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertEquals(referenceTables(), tables);
    }
  }

  @Test
  void sqliteMasterOfAJavaStoreEqualsTheReferenceStores() {
    List<String> reference;
    try (SqliteBackend rust = SqliteBackend.open(Fixtures.copy("reference.db", dir))) {
      reference = master(rust);
    }
    try (SqliteBackend java = SqliteBackend.open(dir.resolve("java.db"))) {
      Generation.ensureSchema(java);
      WriterLog.ensureSchema(java);
      WriterLog.ensureSchema(java);
      Generation.ensureSchema(java);
      assertEquals(reference, master(java));
    }
  }

  @Test
  void signedAppendsLeaveTheReferenceTablesExactlyAsTheCrateLaysThemDown() {
    List<String> reference;
    try (SqliteBackend rust = SqliteBackend.open(Fixtures.copy("reference.db", dir))) {
      reference = master(rust);
    }
    try (SqliteBackend java = SqliteBackend.open(dir.resolve("signed.db"))) {
      Generation.ensureSchema(java);
      WriterLog.ensureSchema(java);
      WriterLog.append(java, "conv", dev.agentstore.WriterKey.generate(), new byte[] {1});
      // The side table is the only addition; the reference tables and their indexes are as the
      // crate's, so the crate reads and verifies the file as before.
      List<String> master = new ArrayList<>(master(java));
      assertEquals(
          List.of(
              "table|_agent_store_sig|_agent_store_sig|CREATE TABLE _agent_store_sig (stream TEXT"
                  + " NOT NULL, writer TEXT NOT NULL, seq INTEGER NOT NULL, public_key BLOB NOT"
                  + " NULL, signature BLOB NOT NULL, PRIMARY KEY (stream, writer, seq))",
              "index|sqlite_autoindex__agent_store_sig_1|_agent_store_sig|null"),
          master.stream().filter(row -> row.contains("_agent_store_sig")).toList());
      master.removeIf(row -> row.contains("_agent_store_sig"));
      assertEquals(reference, master);
    }
  }

  @Test
  void theReferenceStoreItselfHasTheSchemaOfSchemaSql() {
    try (SqliteBackend rust = SqliteBackend.open(Fixtures.copy("reference.db", dir))) {
      assertEquals(referenceTables(), rust.query(TABLES, r -> r.getString(1)));
    }
  }

  @Test
  void replayingEveryReferencePayloadInJavaReproducesEveryReferenceRow() throws SQLException {
    Path file = dir.resolve("replay.db");
    try (SqliteBackend java = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(java);
      Generation.ensureSchema(java);
      for (Entry rust : MANIFEST.entries()) {
        Entry replayed = WriterLog.append(java, rust.stream(), rust.writer(), rust.payload());
        assertEquals(rust, replayed);
      }
    }
    Path reference = Fixtures.copy("reference.db", dir);
    assertEquals(rawLog(reference), rawLog(file));
  }

  @Test
  void hashesOfAJavaStoreAreReproducedIndependentlyFromTheRawRows() throws SQLException {
    Path file = dir.resolve("java.db");
    Random random = new Random(20_251_125L);
    byte[] big = new byte[100_000];
    random.nextBytes(big);
    byte[] allBytes = new byte[256];
    for (int i = 0; i < 256; i++) {
      allBytes[i] = (byte) i;
    }
    Map<Chain, List<byte[]>> written = new LinkedHashMap<>();
    written.put(
        new Chain("conv:java", "ada"),
        List.of(new byte[0], big, new byte[] {0}, utf8("a\0b\0c"), allBytes));
    written.put(new Chain("conv:java", "grace"), List.of(utf8("one"), utf8("two")));
    written.put(new Chain("ストリーム", "🚀"), List.of(utf8("日本語")));

    List<Entry> returned = new ArrayList<>();
    try (SqliteBackend java = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(java);
      written.forEach(
          (chain, payloads) -> {
            returned.add(WriterLog.append(java, chain.stream(), chain.writer(), payloads.get(0)));
            returned.addAll(
                WriterLog.appendAll(
                    java, chain.stream(), chain.writer(), payloads.subList(1, payloads.size())));
          });
    }

    List<RawRow> rows = rawLog(file);
    assertEquals(returned.size(), rows.size());
    int i = 0;
    for (Map.Entry<Chain, List<byte[]>> chain : written.entrySet()) {
      byte[] prev = null;
      long seq = 1;
      for (byte[] payload : chain.getValue()) {
        RawRow row = rows.get(i);
        assertEquals(chain.getKey().stream(), row.stream());
        assertEquals(chain.getKey().writer(), row.writer());
        assertEquals(seq, row.seq());
        assertEquals(prev == null ? "null" : "blob", row.prevType());
        assertEquals("blob", row.contentType());
        assertEquals("blob", row.payloadType());
        if (prev == null) {
          assertNull(row.prevHash());
        } else {
          assertArrayEquals(prev, row.prevHash());
        }
        byte[] expected = prev == null ? blake3(payload) : blake3(prev, payload);
        assertArrayEquals(expected, row.contentHash(), chain.getKey() + " seq " + seq);
        assertArrayEquals(payload, row.payload());
        assertArrayEquals(expected, returned.get(i).contentHash());
        prev = expected;
        seq++;
        i++;
      }
    }
  }

  @Test
  void javaGenerationsAreRowsOfTheMetaTable() throws SQLException {
    Path file = dir.resolve("java.db");
    try (SqliteBackend java = SqliteBackend.open(file)) {
      Generation.ensureSchema(java);
      new Generation("gen.epoch").bump(java);
      new Generation("gen.epoch").bump(java);
      new Generation("gen.big").set(java, (1L << 53) + 1);
      new Generation("gen.zero").set(java, 0);
      assertEquals(0, new Generation("gen.never").current(java));
    }
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = plain.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT key, typeof(ival), ival FROM _agent_store_meta ORDER BY key")) {
      List<String> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getLong(3));
      }
      assertEquals(
          List.of("gen.big integer 9007199254740993", "gen.epoch integer 2", "gen.zero integer 0"),
          rows);
    }
  }

  /** The CREATE TABLE statements of schema.sql, ordered by table name like {@link #TABLES}. */
  private static List<String> referenceTables() {
    String schema = new String(Fixtures.bytes("schema.sql"), StandardCharsets.UTF_8);
    List<String> statements = new ArrayList<>();
    for (String statement : schema.split(";")) {
      if (!statement.isBlank()) {
        statements.add(statement.strip());
      }
    }
    assertEquals(2, statements.size());
    statements.sort((a, b) -> tableName(a).compareTo(tableName(b)));
    return statements;
  }

  private static String tableName(String create) {
    return create.split(" ")[2];
  }

  private static List<String> master(Backend store) {
    return store.query(
        "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name",
        r -> r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getString(4));
  }

  /** A row of the log exactly as stored, with the storage type of each blob column. */
  record RawRow(
      String stream,
      String writer,
      long seq,
      byte[] prevHash,
      String prevType,
      byte[] contentHash,
      String contentType,
      byte[] payload,
      String payloadType) {
    @Override
    public boolean equals(Object other) {
      return other instanceof RawRow that && toString().equals(that.toString());
    }

    @Override
    public int hashCode() {
      return toString().hashCode();
    }

    @Override
    public String toString() {
      HexFormat hex = HexFormat.of();
      return String.join(
          "|",
          stream,
          writer,
          Long.toString(seq),
          prevHash == null ? "NULL" : hex.formatHex(prevHash),
          prevType,
          hex.formatHex(contentHash),
          contentType,
          hex.formatHex(payload),
          payloadType);
    }
  }

  /** Every row of {@code _agent_store_log} in key order, read with plain JDBC. */
  private static List<RawRow> rawLog(Path file) throws SQLException {
    List<RawRow> rows = new ArrayList<>();
    try (Connection plain = DriverManager.getConnection("jdbc:sqlite:" + file);
        Statement statement = plain.createStatement();
        ResultSet rs =
            statement.executeQuery(
                "SELECT stream, writer, seq, prev_hash, typeof(prev_hash), content_hash,"
                    + " typeof(content_hash), payload, typeof(payload)"
                    + " FROM _agent_store_log ORDER BY stream, writer, seq")) {
      while (rs.next()) {
        byte[] payload = rs.getBytes(8);
        rows.add(
            new RawRow(
                rs.getString(1),
                rs.getString(2),
                rs.getLong(3),
                rs.getBytes(4),
                rs.getString(5),
                rs.getBytes(6),
                rs.getString(7),
                payload == null ? new byte[0] : payload,
                rs.getString(9)));
      }
    }
    return rows;
  }
}
