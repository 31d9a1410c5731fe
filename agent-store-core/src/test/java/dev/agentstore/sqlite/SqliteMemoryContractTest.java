package dev.agentstore.sqlite;

import dev.agentstore.Backend;
import dev.agentstore.contract.BackendUnderTest;
import dev.agentstore.contract.BadInputContract;
import dev.agentstore.contract.ChainLogContract;
import dev.agentstore.contract.ConcurrencyContract;
import dev.agentstore.contract.DoorbellContract;
import dev.agentstore.contract.FollowerContract;
import dev.agentstore.contract.ForeignNamesContract;
import dev.agentstore.contract.GenerationContract;
import dev.agentstore.contract.GroupCommitContract;
import dev.agentstore.contract.RecallContract;
import dev.agentstore.contract.SchemaContract;
import dev.agentstore.contract.TamperContract;
import dev.agentstore.contract.TransactionContract;
import dev.agentstore.contract.VerifyContract;
import dev.agentstore.contract.WriterLogContract;
import org.junit.jupiter.api.Nested;

/** The whole backend contract on private in-memory SQLite databases. */
class SqliteMemoryContractTest {

  /** A new in-memory database per store; one connection serves every call. */
  interface SqliteMemory extends BackendUnderTest {
    @Override
    default Backend newBackend() {
      return SqliteBackend.inMemory();
    }

    @Override
    default Backend newBackendOnSameStore(Backend existing) {
      throw new UnsupportedOperationException("an in-memory database belongs to one backend");
    }

    @Override
    default boolean canOpenTheSameStoreTwice() {
      return false;
    }

    @Override
    default boolean storesNonBlobValuesInBlobColumns() {
      return true;
    }

    @Override
    default boolean storesNonIntegerValuesInIntegerColumns() {
      return true;
    }

    @Override
    default boolean storesNulInNames() {
      return true;
    }

    @Override
    default boolean isSingleConnection() {
      return true;
    }
  }

  @Nested
  class Generations extends GenerationContract implements SqliteMemory {}

  @Nested
  class WriterLogs extends WriterLogContract implements SqliteMemory {}

  @Nested
  class ChainLogs extends ChainLogContract implements SqliteMemory {}

  @Nested
  class Schemas extends SchemaContract implements SqliteMemory {}

  @Nested
  class Verification extends VerifyContract implements SqliteMemory {}

  @Nested
  class Tampering extends TamperContract implements SqliteMemory {}

  @Nested
  class Recalls extends RecallContract implements SqliteMemory {}

  @Nested
  class Transactions extends TransactionContract implements SqliteMemory {}

  @Nested
  class Doorbells extends DoorbellContract implements SqliteMemory {}

  @Nested
  class Followers extends FollowerContract implements SqliteMemory {}

  @Nested
  class BadInput extends BadInputContract implements SqliteMemory {}

  @Nested
  class ForeignNames extends ForeignNamesContract implements SqliteMemory {}

  @Nested
  class Concurrency extends ConcurrencyContract implements SqliteMemory {}

  @Nested
  class GroupCommit extends GroupCommitContract implements SqliteMemory {}
}
