package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The small writers behind every command's output: JSON, payload text, tables, progress. */
class OutputFormatsTest {
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
          text.toString().contains("verifying:  25% 250/1,000 entries, 250 entries/s, ETA 0:03"),
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
}
