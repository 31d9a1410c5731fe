package dev.agentstore.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Checkpoint;
import dev.agentstore.Checkpoint.ChainResult;
import dev.agentstore.Checkpoint.ChainStatus;
import dev.agentstore.Head;
import dev.agentstore.VerifyOptions;
import dev.agentstore.WriterKey;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two tamperings of the reference fixtures that a bare hash chain cannot see, a cut tail
 * ({@code truncate.db}) and a consistent rewrite ({@code rewrite.db}), are reported by a checkpoint
 * of {@code reference.db}; the reference store itself, unsigned, still verifies with signatures
 * checked, and extends its own checkpoint.
 */
class CheckpointsCatchWhatTheChainCannotTest {
  @TempDir Path dir;

  private final WriterKey key = WriterKey.generate();

  private Checkpoint checkpointOfTheReference() {
    try (SqliteBackend reference = SqliteBackend.open(Fixtures.copy("reference.db", dir))) {
      for (Head head : WriterLog.heads(reference)) {
        // Unsigned chains verify whether or not signatures are looked for: none is present, and
        // only fingerprint-named writers could be required to sign.
        assertEquals(
            head,
            WriterLog.verify(reference, head.stream(), head.writer(), VerifyOptions.defaults())
                .orElseThrow());
      }
      Checkpoint checkpoint = Checkpoint.take(reference, key, Checkpoint.Selection.all());
      assertEquals(7, checkpoint.chains().size());
      assertTrue(Checkpoint.check(reference, checkpoint, List.of(key.publicKey())).ok());
      return checkpoint;
    }
  }

  @Test
  void aCutTailIsReportedTruncated() {
    Checkpoint checkpoint = checkpointOfTheReference();
    try (SqliteBackend truncated = SqliteBackend.open(Fixtures.copy("tamper/truncate.db", dir))) {
      assertEquals(34, WriterLog.verify(truncated, "conv:demo", "alice").orElseThrow().seq());
      assertEquals(
          List.of(new ChainResult("conv:demo", "alice", 40, 34, ChainStatus.TRUNCATED)),
          Checkpoint.check(truncated, checkpoint, List.of(key.publicKey())).failures());
    }
  }

  @Test
  void aConsistentRewriteIsReportedRewritten() {
    Checkpoint checkpoint = checkpointOfTheReference();
    try (SqliteBackend rewritten = SqliteBackend.open(Fixtures.copy("tamper/rewrite.db", dir))) {
      assertEquals(25, WriterLog.verify(rewritten, "conv:demo", "bob").orElseThrow().seq());
      assertEquals(
          List.of(new ChainResult("conv:demo", "bob", 25, 25, ChainStatus.REWRITTEN)),
          Checkpoint.check(rewritten, checkpoint, List.of(key.publicKey())).failures());
    }
  }
}
