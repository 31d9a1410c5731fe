package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.Generation;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The small writers behind every command's output: JSON, payload text, tables, progress. */
class OutputFormatsTest {
  @TempDir Path dir;

  @Test
  void jsonEscapesStringsAndWritesIntegersExactly() {
    StringWriter text = new StringWriter();
    new Json(new PrintWriter(text))
        .beginObject()
        .field("s", "quote \" backslash \\ newline \n tab \t bell \u0007 é 日本 \uD83D\uDE00")
        .field("n", Long.MIN_VALUE)
        .field("big", (1L << 53) + 1)
        .field("t", true)
        .field("none", (String) null)
        .name("empty")
        .beginArray()
        .endArray()
        .name("list")
        .beginArray()
        .value(1)
        .beginObject()
        .endObject()
        .endArray()
        .endObject();
    assertEquals(
        "{\"s\":\"quote \\\" backslash \\\\ newline \\n tab \\t bell \\u0007 é 日本 \uD83D\uDE00\","
            + "\"n\":-9223372036854775808,\"big\":9007199254740993,\"t\":true,\"none\":null,"
            + "\"empty\":[],\"list\":[\n1,\n{}\n]}\n",
        text.toString());
  }

  @Test
  void payloadsAreTextOnlyWhenStrictlyValidUtf8() {
    assertEquals(Optional.of("grüße"), Payloads.utf8("grüße".getBytes(UTF_8)));
    assertEquals(Optional.of(""), Payloads.utf8(new byte[0]));
    assertEquals(
        Optional.empty(), Payloads.utf8(new byte[] {(byte) 0xc0, (byte) 0xaf}), "overlong");
    assertEquals(
        Optional.empty(), Payloads.utf8(new byte[] {(byte) 0xe6, (byte) 0x97}), "truncated");
    assertEquals(
        Optional.empty(),
        Payloads.utf8(new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}),
        "surrogate");
    assertEquals("a\\nb\\tc\\\\d\\u001be", Payloads.oneLine("a\nb\tc\\d\u001be"));
  }

  @Test
  void tablesAlignTextLeftAndNumbersRight() {
    Table table = new Table("NAME", "COUNT>");
    table.add("a", 1);
    table.add("longer name", 12345);
    StringWriter text = new StringWriter();
    table.print(new PrintWriter(text));
    assertEquals("NAME         COUNT\na                1\nlonger name  12345\n", text.toString());
  }

  @Test
  void progressShowsRateAndTimeLeftOnlyWhenEnabledAndAfterAMoment() {
    AtomicLong clock = new AtomicLong();
    StringWriter text = new StringWriter();
    try (Progress progress =
        new Progress(new PrintWriter(text), true, clock::get, "verifying", 1000)) {
      progress.update(10);
      assertEquals("", text.toString(), "nothing in the first half second");
      clock.set(1_000_000_000L);
      progress.update(250);
      assertTrue(
          text.toString().contains("verifying:  25% 250/1000 entries, 250 entries/s, ETA 0:03"),
          text.toString());
    }
    assertTrue(text.toString().endsWith("\r\u001b[K"), "the line is cleared at the end");

    StringWriter silent = new StringWriter();
    try (Progress progress = new Progress(new PrintWriter(silent), false, clock::get, "x", 10)) {
      clock.set(5_000_000_000L);
      progress.update(5);
    }
    assertEquals("", silent.toString());
  }

  @Test
  void numbersPrintWithoutGroupingInTablesAndSummaries() {
    Path store = dir.resolve("many.db");
    try (SqliteBackend db = SqliteBackend.open(store)) {
      Generation.ensureSchema(db);
      WriterLog.ensureSchema(db);
      List<byte[]> payloads = new ArrayList<>();
      for (int i = 1; i <= 1234; i++) {
        payloads.add(("entry " + i).getBytes(UTF_8));
      }
      WriterLog.appendAll(db, "jobs", "w1", payloads);
    }
    String verify = Cli.run("verify", store.toString()).expect(0).out();
    assertTrue(verify.contains("1 chain, 1234 entries: 1 intact, 0 broken."), verify);
    assertTrue(verify.lines().anyMatch(l -> l.matches("jobs\\s+w1\\s+1234\\s+1234\\s.*")), verify);
    String streams = Cli.run("streams", store.toString()).expect(0).out();
    assertTrue(streams.contains("1234 entries."), streams);
    String copy =
        Cli.run("copy", store.toString(), dir.resolve("copy.db").toString(), "--create")
            .expect(0)
            .out();
    assertTrue(copy.contains("Copied 1234 of 1234 entries in 1 chain (0 already there)"), copy);
    String info = Cli.run("info", store.toString()).expect(0).out();
    for (String out : List.of(verify, streams, copy, info)) {
      assertFalse(GROUPED.matcher(out).find(), "a grouped number in\n" + out);
    }
  }

  /** A number with a grouping separator: 1,234 or 1 234 (as some locales print them). */
  private static final Pattern GROUPED = Pattern.compile("\\d[,\u00a0\u202f]\\d{3}");
}
