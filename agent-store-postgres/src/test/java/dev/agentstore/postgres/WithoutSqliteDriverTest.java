package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.agentstore.torture.ChildJvm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application that uses only PostgreSQL may exclude sqlite-jdbc (14 MB of native libraries): a
 * child JVM on this class path without that jar runs the PostgreSQL path end to end, and opening a
 * SQLite store there fails with a message naming the artifact to add.
 */
class WithoutSqliteDriverTest {
  private static final PostgresTestServer pg = new PostgresTestServer("nosqlite");

  @TempDir Path dir;

  @AfterAll
  static void dropSchemas() {
    pg.close();
  }

  private static String classPathWithoutSqlite() {
    return ChildJvm.classPathWithout(
        entry -> entry.getFileName().toString().matches("sqlite-jdbc-.*\\.jar"));
  }

  @Test
  void postgresPathRunsWithoutSqliteJdbc() throws Exception {
    PostgresTestServer.requireServer();
    try (ChildJvm child =
        ChildJvm.startWithClassPath(
            classPathWithoutSqlite(),
            WithoutSqliteDriverMain.class,
            dir.resolve("postgres.log"),
            "postgres",
            PostgresTestServer.url(),
            pg.newSchema())) {
      int exit = child.await(120);
      assertEquals(0, exit, child.output());
      assertEquals("ok", child.output().strip(), child.output());
    }
  }

  @Test
  void sqliteWithoutTheDriverNamesTheArtifact() throws Exception {
    Path file = dir.resolve("store.db");
    try (ChildJvm child =
        ChildJvm.startWithClassPath(
            classPathWithoutSqlite(),
            WithoutSqliteDriverMain.class,
            dir.resolve("sqlite.log"),
            "sqlite",
            file.toString())) {
      int exit = child.await(120);
      assertEquals(0, exit, child.output());
      String missing =
          ": the SQLite backend needs the Maven artifact org.xerial:sqlite-jdbc on the class path,"
              + " and it is missing";
      assertEquals(
          List.of(
              "dev.agentstore.StoreOpenException: cannot open SQLite store "
                  + file.toAbsolutePath().normalize()
                  + missing,
              "dev.agentstore.StoreOpenException: cannot open an in-memory SQLite store" + missing,
              "dev.agentstore.StoreOpenException: cannot open SQLite store "
                  + file.toAbsolutePath().normalize()
                  + missing),
          child.output().lines().toList());
      assertFalse(Files.exists(file), "no file is created");
    }
  }
}
