package dev.agentstore.postgres;

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
import dev.agentstore.torture.RoundTripContract;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole backend contract on the PostgreSQL server under test: a new schema per store. */
class PostgresContractTest {
  @RegisterExtension static final PostgresTestServer PG = new PostgresTestServer("contract");

  /** PostgreSQL schemas on the server under test. */
  interface Postgres extends BackendUnderTest {
    @Override
    default Backend newBackend() {
      return PG.newBackend();
    }

    @Override
    default Backend newBackendOnSameStore(Backend existing) {
      String schema = ((PostgresBackend) existing).schema();
      return PG.newBackend(PG.options().withSchema(schema));
    }

    @Override
    default boolean canOpenTheSameStoreTwice() {
      return true;
    }

    @Override
    default boolean storesNonBlobValuesInBlobColumns() {
      return false;
    }

    @Override
    default boolean storesNonIntegerValuesInIntegerColumns() {
      return false;
    }

    @Override
    default boolean storesNulInNames() {
      return false;
    }

    @Override
    default boolean isSingleConnection() {
      return false;
    }
  }

  @Nested
  class Generations extends GenerationContract implements Postgres {}

  @Nested
  class WriterLogs extends WriterLogContract implements Postgres {}

  @Nested
  class ChainLogs extends ChainLogContract implements Postgres {}

  @Nested
  class Schemas extends SchemaContract implements Postgres {}

  @Nested
  class Verification extends VerifyContract implements Postgres {}

  @Nested
  class Tampering extends TamperContract implements Postgres {}

  @Nested
  class Recalls extends RecallContract implements Postgres {}

  @Nested
  class RecallIndexers extends RecallIndexerContract implements Postgres {}

  @Nested
  class Transactions extends TransactionContract implements Postgres {}

  @Nested
  class Doorbells extends DoorbellContract implements Postgres {}

  @Nested
  class BadInput extends BadInputContract implements Postgres {}

  @Nested
  class ForeignNames extends ForeignNamesContract implements Postgres {}

  @Nested
  class Concurrency extends ConcurrencyContract implements Postgres {}

  @Nested
  class GroupCommit extends GroupCommitContract implements Postgres {}

  @Nested
  class Followers extends FollowerContract implements Postgres {}

  @Nested
  class RoundTrips extends RoundTripContract {
    @Override
    protected Backend newBackend() {
      return PG.newBackend();
    }
  }
}
