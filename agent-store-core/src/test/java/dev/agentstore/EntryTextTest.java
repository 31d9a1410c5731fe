package dev.agentstore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class EntryTextTest {

  private static final EntryText DEFAULTS = EntryText.defaults();

  private static String text(String payload) {
    return DEFAULTS.ofPayload(payload.getBytes(StandardCharsets.UTF_8));
  }

  private static String bytes(int... values) {
    byte[] payload = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      payload[i] = (byte) values[i];
    }
    return DEFAULTS.ofPayload(payload);
  }

  @Test
  void plainUtf8TextIsEmbeddedAsItIs() {
    assertEquals(
        "we moved the schema migration to Friday", text("we moved the schema migration to Friday"));
    assertEquals("café → 東京 😀", text("café → 東京 😀"));
    assertEquals("  padded text\n", text("  padded text\n"));
  }

  @Test
  void aPayloadThatIsNotUtf8HasNoText() {
    assertEquals("", bytes(0xC3, 0x28)); // a lead byte followed by a non-continuation
    assertEquals("", bytes('a', 'b', 0xE2, 0x82)); // truncated three-byte sequence
    assertEquals("", bytes(0xED, 0xA0, 0x80)); // an encoded surrogate
    assertEquals("", bytes(0xC0, 0xAF)); // overlong encoding of '/'
    assertEquals("", bytes(0xFF, 0xFE, 0x00, 0x01));
  }

  @Test
  void emptyAndBlankPayloadsHaveNoText() {
    assertEquals("", bytes());
    assertEquals("", text(" \t\r\n "));
  }

  @Test
  void aJsonObjectGivesItsTextMember() {
    assertEquals("schema migration", text("{\"role\":\"user\",\"text\":\"schema migration\"}"));
    assertEquals(
        "from content", text(" {\n \"role\": \"assistant\", \"content\": \"from content\" }"));
  }

  @Test
  void theFirstConfiguredFieldWinsWhateverTheOrderInTheObject() {
    assertEquals("b", text("{\"content\":\"a\",\"text\":\"b\"}"));
    EntryText contentFirst = EntryText.fields("content", "text");
    assertEquals(
        "a",
        contentFirst.ofPayload(
            "{\"content\":\"a\",\"text\":\"b\"}".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of("content", "text"), contentFirst.fields());
    assertEquals(List.of("text", "content"), DEFAULTS.fields());
  }

  @Test
  void aJsonObjectWithoutTheFieldHasNoText() {
    assertEquals("", text("{\"role\":\"user\",\"body\":\"not configured\"}"));
    assertEquals("", text("{}"));
  }

  @Test
  void membersThatAreNotStringsArePassedOver() {
    assertEquals("c", text("{\"text\":42,\"content\":\"c\"}"));
    assertEquals("c", text("{\"text\":null,\"content\":\"c\"}"));
    assertEquals("c", text("{\"text\":[\"x\"],\"content\":\"c\"}"));
    assertEquals("", text("{\"text\":true,\"content\":{\"text\":\"nested\"}}"));
  }

  @Test
  void onlyTopLevelMembersAreRead() {
    assertEquals("outer", text("{\"meta\":{\"text\":\"inner\"},\"content\":\"outer\"}"));
    assertEquals("", text("{\"meta\":{\"text\":\"inner\"}}"));
  }

  @Test
  void escapedStringsAreDecoded() {
    assertEquals(
        "line1\nline2 \"quoted\" \\ / é 😀",
        text("{\"text\":\"line1\\nline2 \\\"quoted\\\" \\\\ \\/ \\u00e9 \\ud83d\\ude00\"}"));
  }

  @Test
  void aBlankMemberHasNoText() {
    assertEquals("", text("{\"text\":\"  \"}"));
  }

  @Test
  void jsonThatIsNotAnObjectAndTextThatOnlyLooksLikeJsonAreEmbeddedAsTheyAre() {
    assertEquals("[{\"text\":\"a\"}]", text("[{\"text\":\"a\"}]"));
    assertEquals("\"a string\"", text("\"a string\""));
    assertEquals("{not json at all", text("{not json at all"));
    assertEquals("{\"text\":\"a\"} trailing", text("{\"text\":\"a\"} trailing"));
    assertEquals("{\"text\":\"a\",\"text\":\"b\"}", text("{\"text\":\"a\",\"text\":\"b\"}"));
  }

  @Test
  void anObjectWithFractionsExponentsAndLargeIntegersGivesItsMember() {
    assertEquals("hello", text("{\"text\":\"hello\",\"temperature\":0.7}"));
    assertEquals(
        "usage",
        text(
            "{\"cost\":-1.25E-3,\"tokens\":1e3,\"id\":123456789012345678901234567890,"
                + "\"ratio\":0.0,\"n\":-0,\"text\":\"usage\",\"big\":2E+400}"));
  }

  @Test
  void numbersOutsideJsonsGrammarAreNotJsonAndTheObjectIsEmbeddedWhole() {
    for (String number :
        List.of("01", "1.", ".5", "-", "1e", "1e+", "+1", "0x10", "1.5.2", "NaN")) {
      String payload = "{\"text\":\"t\",\"n\":" + number + "}";
      assertEquals(payload, text(payload), number);
    }
  }

  @Test
  void deepNestingIsEmbeddedAsTextWithoutExhaustingTheStack() {
    String deep = "{\"a\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}";
    assertEquals(deep, text(deep));
    String atTheLimit =
        "{\"text\":\"t\",\"a\":"
            + "[".repeat(EntryText.MAX_DEPTH - 1)
            + "]".repeat(EntryText.MAX_DEPTH - 1)
            + "}";
    assertEquals("t", text(atTheLimit));
    String overTheLimit =
        "{\"text\":\"t\",\"a\":"
            + "[".repeat(EntryText.MAX_DEPTH)
            + "]".repeat(EntryText.MAX_DEPTH)
            + "}";
    assertEquals(overTheLimit, text(overTheLimit));
  }

  @Test
  void bracketsInsideStringsDoNotCountAsNesting() {
    String payload = "{\"text\":\"" + "[{".repeat(1000) + "\\\"\"}";
    assertEquals("[{".repeat(1000) + "\"", text(payload));
  }

  @Test
  void anEntryIsReadByItsPayload() {
    byte[] hash = new byte[Entry.HASH_BYTES];
    Arrays.fill(hash, (byte) 7);
    Entry entry =
        new Entry(
            "conv:demo",
            "alice",
            1,
            null,
            hash,
            "{\"content\":\"the index is rebuilt nightly\"}".getBytes(StandardCharsets.UTF_8));
    assertEquals("the index is rebuilt nightly", DEFAULTS.of(entry));
    assertEquals(
        "", DEFAULTS.of(new Entry("conv:demo", "alice", 2, hash, hash, new byte[] {(byte) 0xFF})));
  }

  @Test
  void badArgumentsAreInvalidInput() {
    assertEquals(
        "EntryText fields must name at least one JSON member",
        assertThrows(InvalidInputException.class, () -> EntryText.fields(List.of())).getMessage());
    assertEquals(
        "EntryText fields[1] must be a non-empty JSON member name, got ",
        assertThrows(InvalidInputException.class, () -> EntryText.fields("text", "")).getMessage());
    assertEquals(
        "EntryText fields[0] must be a non-empty JSON member name, got null",
        assertThrows(InvalidInputException.class, () -> EntryText.fields((String) null))
            .getMessage());
    assertThrows(InvalidInputException.class, () -> DEFAULTS.ofPayload(null));
    assertThrows(InvalidInputException.class, () -> DEFAULTS.of(null));
  }
}
