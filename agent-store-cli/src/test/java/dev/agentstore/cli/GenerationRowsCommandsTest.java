package dev.agentstore.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A generation row is read exactly or refused: the commands report a counter at Long.MAX_VALUE that
 * cannot be bumped, and a row holding a REAL, as the reference crate leaves after overflowing, as
 * what they are, with exit code 1 and the key named.
 */
class GenerationRowsCommandsTest {
  @TempDir Path dir;

  @Test
  void bumpingACounterAtTheLargestValueIsRefusedWithExitCodeOne() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    Cli.run("gen", "set", store.toString(), "full", String.valueOf(Long.MAX_VALUE)).expect(0);
    Cli.Result run = Cli.run("gen", "bump", store.toString(), "full").expect(Main.EXIT_BROKEN);
    assertEquals(
        "agent-store: generation full is at Long.MAX_VALUE (9223372036854775807); it cannot be"
            + " bumped and was left there\n",
        run.err());
    assertEquals(Long.MAX_VALUE + "\n", Cli.run("gen", store.toString(), "full").expect(0).out());
  }

  @Test
  void aCounterHoldingARealIsAMalformedRowForEveryCommand() {
    Path store = TestStores.sample(dir.resolve("a.db"));
    TestStores.modify(
        store,
        db ->
            db.exec(
                "INSERT INTO _agent_store_meta (key, ival) VALUES (?, 9.223372036854776e18)",
                "overflowed"));
    String expected =
        "agent-store: malformed row in _agent_store_meta: generation \"overflowed\" holds REAL"
            + " 9.223372036854776E18, not a 64-bit INTEGER\n";
    assertEquals(
        expected, Cli.run("gen", store.toString(), "overflowed").expect(Main.EXIT_BROKEN).err());
    assertEquals(expected, Cli.run("gen", store.toString()).expect(Main.EXIT_BROKEN).err());
    assertEquals(
        expected,
        Cli.run("gen", "bump", store.toString(), "overflowed").expect(Main.EXIT_BROKEN).err());
    Path copy = dir.resolve("copy.db");
    assertEquals(
        expected,
        Cli.run("copy", store.toString(), copy.toString()).expect(Main.EXIT_BROKEN).err());
    assertFalse(Files.exists(copy), "nothing is written, not even the destination file");
    // The chains themselves are intact; verify reads the log only.
    Cli.run("verify", store.toString()).expect(0);
  }
}
