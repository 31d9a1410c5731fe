package dev.agentstore.contract;

import dev.agentstore.Backend;
import java.nio.file.Path;

/**
 * What a backend supplies to run the contract: fresh stores, and a declaration of each optional
 * capability. Every capability is abstract so that a new backend states all of them; a test that
 * needs a capability the backend lacks is skipped with a visible reason.
 */
public interface BackendUnderTest {

  /**
   * A new backend on a fresh, empty store. The contract calls {@code ensureSchema} for both tables
   * and closes the backend after the test.
   */
  Backend newBackend();

  /**
   * A second backend on the same store as {@code existing}, as another process would open it.
   * Called only when {@link #canOpenTheSameStoreTwice()}.
   */
  Backend newBackendOnSameStore(Backend existing);

  /**
   * Whether {@link #newBackendOnSameStore} is possible (a file or a server, not private memory).
   */
  boolean canOpenTheSameStoreTwice();

  /**
   * Whether the store keeps whatever value SQL puts in a blob column (a TEXT payload, say), so that
   * verify must report a malformed row; a store with strict column types refuses such writes.
   */
  boolean storesNonBlobValuesInBlobColumns();

  /**
   * Whether the store keeps a REAL, TEXT or BLOB that SQL puts in an integer column (a generation's
   * {@code ival}), so that reading it must report a malformed row; a store with strict column types
   * refuses such writes.
   */
  boolean storesNonIntegerValuesInIntegerColumns();

  /** Whether stream, writer and key names may contain U+0000. */
  boolean storesNulInNames();

  /**
   * Whether every call goes through one connection, so that a read on another thread waits for a
   * running transaction instead of seeing the last committed state.
   */
  boolean isSingleConnection();

  /**
   * A directory private to the running test and removed after it, for backends that keep their
   * stores in files. Supplied by the contract.
   */
  Path tempDir();
}
