package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DisplayWidthTest {
  private static final String CAFE = "cafe\u0301"; // e + combining acute accent
  private static final String JAPANESE = "日本語/ストリーム";
  private static final String ROCKET = "\uD83D\uDE80rocket"; // U+1F680 ROCKET
  private static final String ECRIVAIN = "e\u0301crivain";

  @TempDir Path dir;

  @Test
  void asciiTakesOneColumnPerCharacter() {
    assertEquals(0, DisplayWidth.of(""));
    assertEquals(9, DisplayWidth.of("conv:demo"));
  }

  @Test
  void eastAsianWideAndFullwidthCharactersTakeTwoColumns() {
    assertEquals(17, DisplayWidth.of(JAPANESE)); // 8 wide, one slash
    assertEquals(2, DisplayWidth.of("한")); // Hangul syllable
    assertEquals(2, DisplayWidth.of("、")); // CJK symbols and punctuation
    assertEquals(6, DisplayWidth.of("ＡＢＣ")); // fullwidth forms
    assertEquals(2, DisplayWidth.of("￥")); // U+FFE5 FULLWIDTH YEN SIGN
    assertEquals(2, DisplayWidth.of("\uD840\uDC0B")); // U+2000B, CJK extension B
    assertEquals(1, DisplayWidth.of("ｱ")); // U+FF71 halfwidth katakana stays narrow
  }

  @Test
  void emojiTakeTwoColumnsAndTextSymbolsOne() {
    assertEquals(8, DisplayWidth.of(ROCKET));
    assertEquals(2, DisplayWidth.of("\uD83D\uDE00")); // U+1F600 GRINNING FACE
    assertEquals(2, DisplayWidth.of("\uD83E\uDD16")); // U+1F916 ROBOT FACE
    assertEquals(2, DisplayWidth.of("\u26A1")); // HIGH VOLTAGE SIGN, emoji presentation
    assertEquals(2, DisplayWidth.of("\u2705")); // WHITE HEAVY CHECK MARK, emoji presentation
    assertEquals(1, DisplayWidth.of("\u2600")); // BLACK SUN WITH RAYS, text presentation
    assertEquals(1, DisplayWidth.of("\u2713")); // CHECK MARK, text presentation
  }

  @Test
  void combiningMarksJoinersAndVariationSelectorsTakeNoColumns() {
    assertEquals(4, DisplayWidth.of(CAFE));
    assertEquals(1, DisplayWidth.of("a\u20DD")); // enclosing circle
    assertEquals(0, DisplayWidth.of("\u200D")); // zero-width joiner
    assertEquals(0, DisplayWidth.of("\u200B")); // zero-width space
    assertEquals(0, DisplayWidth.of("\uFE0F")); // variation selector 16
    assertEquals(1, DisplayWidth.of("\u00AD")); // soft hyphen: drawn as a hyphen
  }

  @Test
  void tablesAlignTheColumnsAfterWideAndCombiningNames() {
    Path store = dir.resolve("names.db");
    try (SqliteBackend db = SqliteBackend.open(store)) {
      WriterLog.ensureSchema(db);
      WriterLog.append(db, CAFE, ROCKET, "lift-off".getBytes(UTF_8));
      for (int i = 1; i <= 10; i++) {
        WriterLog.append(db, "plain", "bob", ("bob " + i).getBytes(UTF_8));
      }
      WriterLog.append(db, JAPANESE, ECRIVAIN, "un".getBytes(UTF_8));
      WriterLog.append(db, JAPANESE, ECRIVAIN, "deux".getBytes(UTF_8));
    }

    List<String> streams = Cli.run("streams", store.toString()).expect(0).out().lines().toList();
    assertEquals(
        List.of(
            "STREAM             WRITERS  ENTRIES",
            CAFE + "                     1        1",
            "plain                    1       10",
            JAPANESE + "        1        2"),
        streams.subList(2, 6));

    List<String> heads = Cli.run("heads", store.toString()).expect(0).out().lines().toList();
    assertEquals(
        List.of(
            "STREAM             WRITER    HEAD SEQ  HEAD HASH     ENTRIES",
            CAFE
                + "               "
                + ROCKET
                + "         1  "
                + head(store, CAFE, ROCKET)
                + "        1",
            "plain              bob             10  " + head(store, "plain", "bob") + "       10",
            JAPANESE
                + "  "
                + ECRIVAIN
                + "         2  "
                + head(store, JAPANESE, ECRIVAIN)
                + "        2"),
        heads.subList(2, 6));
  }

  private static String head(Path store, String stream, String writer) {
    try (SqliteBackend db = SqliteBackend.open(store)) {
      return WriterLog.head(db, stream, writer).orElseThrow().contentHashHex().substring(0, 12);
    }
  }
}
