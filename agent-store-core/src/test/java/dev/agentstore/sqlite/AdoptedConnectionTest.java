package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.CommitEvent;
import dev.agentstore.Doorbell;
import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StoreClosedException;
import dev.agentstore.WriterLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SqliteBackend#fromConnection}: a consumer keeps its own connection and SQL, agent-store
 * works on the same connection, never closes it, and joins the consumer's transaction when the
 * consumer has one open.
 */
class AdoptedConnectionTest {
  @TempDir Path dir;
  private Connection consumer;

  @BeforeEach
  void openConsumersConnection() throws SQLException {
    consumer = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("app.db"));
    try (Statement statement = consumer.createStatement()) {
      statement.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY, item TEXT NOT NULL)");
    }
  }

  @AfterEach
  void closeConsumersConnection() throws SQLException {
    consumer.close();
  }

  @Test
  void agentStoreAndTheConsumersSqlShareOneConnection() throws SQLException {
    try (SqliteBackend store = SqliteBackend.fromConnection(consumer)) {
      assertEquals(Optional.empty(), store.path());
      assertTrue(store.connection() == consumer);
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      insertOrder(1, "tea");
      Entry entry = WriterLog.append(store, "orders", "shop", utf8("order 1"));
      assertEquals(1, new Generation("orders.gen").bump(store));
      store.exec("INSERT INTO orders (id, item) VALUES (?, ?)", 2, "cake");

      assertEquals(List.of("tea", "cake"), orders());
      assertEquals(
          List.of("tea", "cake"),
          store.query("SELECT item FROM orders ORDER BY id", r -> r.getString(1)));
      assertEquals(List.of("orders/shop/1"), logRows());
      assertEquals(Optional.of(entry.toHead()), WriterLog.verify(store, "orders", "shop"));
    }
  }

  @Test
  void closingTheBackendLeavesTheConsumersConnectionOpenAndUsable() throws SQLException {
    SqliteBackend store = SqliteBackend.fromConnection(consumer);
    WriterLog.ensureSchema(store);
    WriterLog.append(store, "orders", "shop", utf8("order 1"));
    store.close();
    store.close();

    assertFalse(consumer.isClosed());
    assertTrue(consumer.getAutoCommit());
    insertOrder(1, "tea");
    assertEquals(List.of("tea"), orders());
    assertEquals(List.of("orders/shop/1"), logRows());
    assertThrows(StoreClosedException.class, () -> WriterLog.head(store, "orders", "shop"));

    try (SqliteBackend again = SqliteBackend.fromConnection(consumer)) {
      assertEquals(2, WriterLog.append(again, "orders", "shop", utf8("order 2")).seq());
    }
    assertFalse(consumer.isClosed());
  }

  @Test
  void anAppendJoinsTheConsumersTransactionAndItsRollbackRemovesIt() throws SQLException {
    try (SqliteBackend store = SqliteBackend.fromConnection(consumer)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      Entry committed = WriterLog.append(store, "orders", "shop", utf8("order 1"));
      List<CommitEvent> rung = new ArrayList<>();
      Doorbell.Subscription subscription = store.doorbell().subscribe(rung::add);
      consumer.setAutoCommit(false);
      insertOrder(2, "cake");
      Entry pending = WriterLog.append(store, "orders", "shop", utf8("order 2"));
      assertEquals(2, pending.seq());
      new Generation("orders.gen").set(store, 8);
      assertEquals(8, new Generation("orders.gen").current(store));
      assertEquals(Optional.of(pending), WriterLog.head(store, "orders", "shop"));

      consumer.rollback();
      consumer.setAutoCommit(true);
      subscription.close();

      assertEquals(List.of(), orders());
      assertEquals(Optional.of(committed), WriterLog.head(store, "orders", "shop"));
      assertEquals(Optional.of(committed.toHead()), WriterLog.verify(store, "orders", "shop"));
      assertEquals(0, new Generation("orders.gen").current(store));
      assertEquals(List.of(), rung);
      assertEquals(2, WriterLog.append(store, "orders", "shop", utf8("order 2 again")).seq());
    }
  }

  @Test
  void anAppendJoinsTheConsumersTransactionAndItsCommitKeepsIt() throws SQLException {
    try (SqliteBackend store = SqliteBackend.fromConnection(consumer)) {
      WriterLog.ensureSchema(store);
      consumer.setAutoCommit(false);
      insertOrder(1, "tea");
      Entry first = WriterLog.append(store, "orders", "shop", utf8("order 1"));
      Entry second = WriterLog.append(store, "orders", "shop", utf8("order 2"));
      consumer.commit();
      consumer.setAutoCommit(true);

      assertEquals(List.of("tea"), orders());
      assertEquals(List.of(first, second), WriterLog.readAfter(store, "orders", "shop", 0, 10));
      assertEquals(Optional.of(second.toHead()), WriterLog.verify(store, "orders", "shop"));
    }
    try (SqliteBackend reopened = SqliteBackend.open(dir.resolve("app.db"))) {
      assertEquals(2, WriterLog.head(reopened, "orders", "shop").orElseThrow().seq());
    }
  }

  @Test
  void aClosedConnectionIsRefused() throws SQLException {
    Connection closed = DriverManager.getConnection("jdbc:sqlite::memory:");
    closed.close();
    assertThrows(InvalidInputException.class, () -> SqliteBackend.fromConnection(closed));
  }

  private void insertOrder(int id, String item) throws SQLException {
    try (PreparedStatement insert =
        consumer.prepareStatement("INSERT INTO orders (id, item) VALUES (?, ?)")) {
      insert.setInt(1, id);
      insert.setString(2, item);
      insert.executeUpdate();
    }
  }

  private List<String> orders() throws SQLException {
    return strings("SELECT item FROM orders ORDER BY id");
  }

  private List<String> logRows() throws SQLException {
    return strings(
        "SELECT stream || '/' || writer || '/' || seq FROM _agent_store_log"
            + " ORDER BY stream, writer, seq");
  }

  private List<String> strings(String sql) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Statement statement = consumer.createStatement();
        ResultSet rs = statement.executeQuery(sql)) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
