package dev.agentstore.postgres;

import dev.agentstore.Checkpoint;
import dev.agentstore.CheckpointRegressionException;
import dev.agentstore.CheckpointSink;
import dev.agentstore.CheckpointSource;
import dev.agentstore.Head;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreException;
import dev.agentstore.WriterPublicKey;
import dev.agentstore.postgres.internal.ServerAddress;
import dev.agentstore.spi.Checks;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * A witness: checkpoints of a store kept in a table of another PostgreSQL database, one the store's
 * owner cannot rewrite. The witness keeps every checkpoint it accepts ({@value #TABLE},
 * append-only: a trigger refuses UPDATE and DELETE) and, per store name, signer and chain, the head
 * it last witnessed ({@value #HEADS_TABLE}). It refuses a checkpoint whose signature does not
 * verify, and one that goes backwards — a chain's seq below the one it witnessed for the same store
 * and signer, or the same seq with another content hash — with a {@link
 * CheckpointRegressionException} naming the chain: that is what a witness is for.
 *
 * <p>The tables live in the connection's default schema; {@link #open} creates them when missing.
 * Checkpoints are kept as their canonical JSON text, byte for byte what was signed. The store name
 * is the caller's choice (by default the checkpoint's {@link Checkpoint#store()}); {@link
 * #latest()} and {@link #all()} read this witness's name only. Each call opens its own connection:
 * checkpoints are rare. Thread-safe.
 */
public final class PostgresWitness implements CheckpointSink, CheckpointSource {
  /** The table of accepted checkpoints. */
  public static final String TABLE = "_agent_store_witness";

  /** The table of the last witnessed head per store name, signer and chain. */
  public static final String HEADS_TABLE = "_agent_store_witness_head";

  /** Serializes the creation of the tables, and each store name's checkpoints (first key). */
  private static final int LOCK_SPACE = 0x61737477; // "astw"

  private static final List<String> SCHEMA =
      List.of(
          "CREATE TABLE IF NOT EXISTS "
              + TABLE
              + " (id bigserial PRIMARY KEY, store text NOT NULL, signer text NOT NULL,"
              + " received_at timestamptz NOT NULL DEFAULT now(), checkpoint text NOT NULL)",
          "CREATE INDEX IF NOT EXISTS " + TABLE + "_store ON " + TABLE + " (store, id)",
          "CREATE TABLE IF NOT EXISTS "
              + HEADS_TABLE
              + " (store text NOT NULL, signer text NOT NULL, stream text NOT NULL,"
              + " writer text NOT NULL, seq bigint NOT NULL, content_hash text NOT NULL,"
              + " witness_id bigint NOT NULL REFERENCES "
              + TABLE
              + " (id), PRIMARY KEY (store, signer, stream, writer))",
          "CREATE OR REPLACE FUNCTION "
              + TABLE
              + "_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '"
              + TABLE
              + " is append-only: % refused', TG_OP; END $$",
          "CREATE OR REPLACE TRIGGER "
              + TABLE
              + "_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON "
              + TABLE
              + " FOR EACH STATEMENT EXECUTE FUNCTION "
              + TABLE
              + "_append_only()");

  private final String jdbcUrl;
  private final String store;
  private final String where;

  private PostgresWitness(String jdbcUrl, String store) {
    this.jdbcUrl = jdbcUrl;
    this.store = store;
    this.where = "witness " + TABLE + " at " + ServerAddress.of(jdbcUrl);
  }

  /**
   * Opens the witness in the database {@code url} names, for the checkpoints of the store named
   * {@code store}, creating its tables when missing.
   *
   * @param url a {@code jdbc:postgresql:} URL, or a {@code postgresql://} / {@code postgres://} URL
   *     (read as the same with {@code jdbc:} in front); the database should not be the store's
   * @param store the name the store's checkpoints are kept under (e.g. {@link Checkpoint#store()})
   * @return the witness
   * @throws InvalidInputException when the URL is not a PostgreSQL URL or the name is empty
   * @throws StoreException when the database cannot be reached or the tables cannot be created
   */
  public static PostgresWitness open(String url, String store) {
    Checks.notNull(url, "url");
    Checks.notNull(store, "store");
    if (store.isEmpty()) {
      throw new InvalidInputException("a witness needs a store name; got an empty one");
    }
    PostgresWitness witness = new PostgresWitness(jdbcUrl(url), store);
    witness.install();
    return witness;
  }

  /**
   * {@return {@code url} as a {@code jdbc:postgresql:} URL}
   *
   * @param url a {@code jdbc:postgresql:}, {@code postgresql://} or {@code postgres://} URL
   * @throws InvalidInputException when it is none of these
   */
  public static String jdbcUrl(String url) {
    Checks.notNull(url, "url");
    String jdbc =
        url.startsWith("jdbc:postgresql:")
            ? url
            : url.startsWith("postgresql://")
                ? "jdbc:" + url
                : url.startsWith("postgres://")
                    ? "jdbc:postgresql://" + url.substring("postgres://".length())
                    : null;
    if (jdbc == null || org.postgresql.Driver.parseURL(jdbc, null) == null) {
      throw new InvalidInputException(
          "not a PostgreSQL URL: expected jdbc:postgresql://host[:port]/database or"
              + " postgresql://host[:port]/database, got "
              + (url.contains("@") || url.contains("?") ? "a URL of another form" : url));
    }
    return jdbc;
  }

  /**
   * Keeps {@code checkpoint} under this witness's store name, in one transaction: checks its
   * signature, checks that no chain goes backwards from the heads witnessed for the same name and
   * signer, appends it, and records its heads.
   *
   * @param checkpoint the checkpoint to keep
   * @throws InvalidInputException when its signature does not verify
   * @throws CheckpointRegressionException when a chain goes backwards, naming the chain
   * @throws StoreException when the database fails
   */
  @Override
  public void publish(Checkpoint checkpoint) {
    Checks.notNull(checkpoint, "checkpoint");
    if (!checkpoint.signatureVerifies()) {
      throw new InvalidInputException(
          where
              + " refuses a checkpoint of "
              + store
              + " signed by "
              + checkpoint.signer().fingerprint().toHex()
              + ": its signature does not verify");
    }
    String signer = checkpoint.signer().toHex();
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      try {
        lock(connection, store);
        Map<List<String>, Head> witnessed = new HashMap<>();
        try (PreparedStatement select =
            connection.prepareStatement(
                "SELECT stream, writer, seq, content_hash FROM "
                    + HEADS_TABLE
                    + " WHERE store = ? AND signer = ?")) {
          select.setString(1, store);
          select.setString(2, signer);
          try (ResultSet rows = select.executeQuery()) {
            while (rows.next()) {
              Head head =
                  new Head(
                      rows.getString(1),
                      rows.getString(2),
                      rows.getLong(3),
                      java.util.HexFormat.of().parseHex(rows.getString(4)));
              witnessed.put(List.of(head.stream(), head.writer()), head);
            }
          }
        }
        for (Head offered : checkpoint.chains()) {
          Head before = witnessed.get(List.of(offered.stream(), offered.writer()));
          if (before != null) {
            CheckpointRegressionException.requireForward(where, store, before, offered);
          }
        }
        long id;
        try (PreparedStatement insert =
            connection.prepareStatement(
                "INSERT INTO "
                    + TABLE
                    + " (store, signer, checkpoint) VALUES (?, ?, ?) RETURNING id")) {
          insert.setString(1, store);
          insert.setString(2, signer);
          insert.setString(3, checkpoint.toJson());
          try (ResultSet rows = insert.executeQuery()) {
            rows.next();
            id = rows.getLong(1);
          }
        }
        try (PreparedStatement upsert =
            connection.prepareStatement(
                "INSERT INTO "
                    + HEADS_TABLE
                    + " (store, signer, stream, writer, seq, content_hash, witness_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store, signer, stream, writer)"
                    + " DO UPDATE SET seq = excluded.seq, content_hash = excluded.content_hash,"
                    + " witness_id = excluded.witness_id")) {
          for (Head head : checkpoint.chains()) {
            upsert.setString(1, store);
            upsert.setString(2, signer);
            upsert.setString(3, head.stream());
            upsert.setString(4, head.writer());
            upsert.setLong(5, head.seq());
            upsert.setString(6, head.contentHashHex());
            upsert.setLong(7, id);
            upsert.addBatch();
          }
          upsert.executeBatch();
        }
        connection.commit();
      } catch (SQLException | RuntimeException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(
          where + " cannot keep a checkpoint of " + store + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@return the latest checkpoint kept under this witness's store name, by any signer}
   *
   * @throws InvalidInputException when the stored text is not a checkpoint
   * @throws StoreException when the database fails
   */
  @Override
  public Optional<Checkpoint> latest() {
    List<Checkpoint> last = read(" ORDER BY id DESC LIMIT 1", null);
    return last.isEmpty() ? Optional.empty() : Optional.of(last.get(0));
  }

  /**
   * {@return the latest checkpoint kept under this witness's store name signed by {@code signer}}
   *
   * @param signer the signer whose checkpoint to read
   * @throws InvalidInputException when the stored text is not a checkpoint
   * @throws StoreException when the database fails
   */
  public Optional<Checkpoint> latest(WriterPublicKey signer) {
    Checks.notNull(signer, "signer");
    List<Checkpoint> last = read(" ORDER BY id DESC LIMIT 1", signer.toHex());
    return last.isEmpty() ? Optional.empty() : Optional.of(last.get(0));
  }

  /**
   * {@return every checkpoint kept under this witness's store name, oldest first}
   *
   * @throws InvalidInputException when a stored text is not a checkpoint
   * @throws StoreException when the database fails
   */
  public List<Checkpoint> all() {
    return read(" ORDER BY id", null);
  }

  /** {@return the witness table, its server and the store name, e.g. for messages} */
  @Override
  public String describe() {
    return where + " for " + store;
  }

  private List<Checkpoint> read(String order, @Nullable String signer) {
    String sql =
        "SELECT id, checkpoint FROM "
            + TABLE
            + " WHERE store = ?"
            + (signer == null ? "" : " AND signer = ?")
            + order;
    List<Checkpoint> checkpoints = new ArrayList<>();
    try (Connection connection = connect();
        PreparedStatement select = connection.prepareStatement(sql)) {
      select.setString(1, store);
      if (signer != null) {
        select.setString(2, signer);
      }
      try (ResultSet rows = select.executeQuery()) {
        while (rows.next()) {
          try {
            checkpoints.add(Checkpoint.fromJson(rows.getString(2)));
          } catch (InvalidInputException e) {
            throw new InvalidInputException(
                where + " row id " + rows.getLong(1) + ": " + e.getMessage());
          }
        }
      }
    } catch (SQLException e) {
      throw new StoreException(
          where + " cannot read the checkpoints of " + store + ": " + e.getMessage(), e);
    }
    return checkpoints;
  }

  private void install() {
    try (Connection connection = connect()) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        // Two first opens at once would race on the catalog: one creates, the other waits.
        statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_SPACE + ", 0)");
        for (String sql : SCHEMA) {
          statement.execute(sql);
        }
        connection.commit();
      } catch (SQLException e) {
        connection.rollback();
        throw e;
      }
    } catch (SQLException e) {
      throw new StoreException(where + " cannot create its tables: " + e.getMessage(), e);
    }
  }

  private static void lock(Connection connection, String store) throws SQLException {
    try (PreparedStatement lock =
        connection.prepareStatement("SELECT pg_advisory_xact_lock(?, hashtext(?))")) {
      lock.setInt(1, LOCK_SPACE);
      lock.setString(2, store);
      lock.executeQuery().close();
    }
  }

  private Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("ApplicationName", "agent-store witness");
    return DriverManager.getConnection(jdbcUrl, properties);
  }

  @Override
  public String toString() {
    return describe();
  }
}
