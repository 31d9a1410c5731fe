package dev.agentstore.sqlite.internal;

import dev.agentstore.StoreOpenException;
import org.jspecify.annotations.Nullable;

/**
 * Whether sqlite-jdbc is on the class path. An application that uses only PostgreSQL may exclude
 * it; then the first use of {@link SqliteEngine} would fail with a bare {@code
 * NoClassDefFoundError} naming an {@code org.sqlite} class, not the artifact to add. This class
 * must therefore never name an {@code org.sqlite} type itself.
 */
public final class SqliteDriver {
  /** The driver's artifact, as a build file names it. */
  public static final String ARTIFACT = "org.xerial:sqlite-jdbc";

  private SqliteDriver() {}

  /**
   * Returns when the driver is there; otherwise throws a {@link StoreOpenException} that starts
   * with {@code what} ("cannot open SQLite store /srv/a.db") and names the missing artifact.
   */
  public static void require(String what) {
    Throwable missing = Probe.MISSING;
    if (missing != null) {
      throw new StoreOpenException(
          what
              + ": the SQLite backend needs the Maven artifact "
              + ARTIFACT
              + " on the class path, and it is missing",
          missing);
    }
  }

  /** Looked up once: the class path does not change while the JVM runs. */
  private static final class Probe {
    static final @Nullable Throwable MISSING = probe();

    private static @Nullable Throwable probe() {
      try {
        // Not initialized: that would register the driver and load its native library.
        Class.forName("org.sqlite.SQLiteConnection", false, SqliteDriver.class.getClassLoader());
        return null;
      } catch (ClassNotFoundException | LinkageError e) {
        return e;
      }
    }
  }
}
