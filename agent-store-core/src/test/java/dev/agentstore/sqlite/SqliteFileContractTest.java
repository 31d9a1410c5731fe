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
import dev.agentstore.contract.RecallIndexerContract;
import dev.agentstore.contract.SchemaContract;
import dev.agentstore.contract.TamperContract;
import dev.agentstore.contract.TransactionContract;
import dev.agentstore.contract.VerifyContract;
import dev.agentstore.contract.WriterLogContract;
import java.util.UUID;
import org.junit.jupiter.api.Nested;

/** The whole backend contract on SQLite files: a new file for every fresh store. */
class SqliteFileContractTest {

  /** SQLite files in the test's directory. */
  interface SqliteFile extends BackendUnderTest {
    @Override
    default Backend newBackend() {
      return SqliteBackend.open(tempDir().resolve("store-" + UUID.randomUUID() + ".db"));
    }

    @Override
    default Backend newBackendOnSameStore(Backend existing) {
      return SqliteBackend.open(((SqliteBackend) existing).path().orElseThrow());
    }

    @Override
    default boolean canOpenTheSameStoreTwice() {
      return true;
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
      return false;
    }
  }

  @Nested
  class Generations extends GenerationContract implements SqliteFile {}

  @Nested
  class WriterLogs extends WriterLogContract implements SqliteFile {}

  @Nested
  class ChainLogs extends ChainLogContract implements SqliteFile {}

  @Nested
  class Schemas extends SchemaContract implements SqliteFile {}

  @Nested
  class Verification extends VerifyContract implements SqliteFile {}

  @Nested
  class Tampering extends TamperContract implements SqliteFile {}

  @Nested
  class Recalls extends RecallContract implements SqliteFile {}

  @Nested
  class RecallIndexers extends RecallIndexerContract implements SqliteFile {}

  @Nested
  class Transactions extends TransactionContract implements SqliteFile {}

  @Nested
  class Doorbells extends DoorbellContract implements SqliteFile {}

  @Nested
  class Followers extends FollowerContract implements SqliteFile {}

  @Nested
  class BadInput extends BadInputContract implements SqliteFile {}

  @Nested
  class ForeignNames extends ForeignNamesContract implements SqliteFile {}

  @Nested
  class Concurrency extends ConcurrencyContract implements SqliteFile {}

  @Nested
  class GroupCommit extends GroupCommitContract implements SqliteFile {}
}
