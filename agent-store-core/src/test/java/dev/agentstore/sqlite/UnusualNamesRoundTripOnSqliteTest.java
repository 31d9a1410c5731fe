package dev.agentstore.sqlite;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.agentstore.Entry;
import dev.agentstore.Generation;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.interop.Fixtures;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SQLite text holds any Unicode string, NUL included: names with U+0000, emoji and CJK are stored
 * and read back unchanged, stay distinct from their prefixes, and list in UTF-8 byte order.
 */
class UnusualNamesRoundTripOnSqliteTest {
  @TempDir static Path dir;

  static Stream<Arguments> stores() {
    Function<String, SqliteBackend> file = name -> SqliteBackend.open(dir.resolve(name + ".db"));
    Function<String, SqliteBackend> memory = name -> SqliteBackend.inMemory();
    return Stream.of(Arguments.of("file", file), Arguments.of("in-memory", memory));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void namesWithNulRoundTripAndStayDistinctFromTheirPrefixes(
      String kind, Function<String, SqliteBackend> open) {
    try (SqliteBackend store = open.apply("nul-" + kind)) {
      WriterLog.ensureSchema(store);
      Generation.ensureSchema(store);
      String stream = "a\0b";
      String writer = "w\0";
      Entry withNul = WriterLog.append(store, stream, writer, utf8("nul"));
      Entry prefix = WriterLog.append(store, "a", "w", utf8("prefix"));
      Entry trailing = WriterLog.append(store, "a\0", "w", utf8("trailing"));

      assertEquals(1, withNul.seq());
      assertEquals(1, prefix.seq());
      assertEquals(1, trailing.seq());
      assertEquals(Optional.of(withNul), WriterLog.head(store, stream, writer));
      assertEquals(Optional.empty(), WriterLog.head(store, stream, "w"));
      assertEquals(List.of("a", "a\0", "a\0b"), WriterLog.streams(store));
      assertEquals(List.of(withNul.toHead()), WriterLog.heads(store, stream));
      assertEquals(Optional.of(withNul.toHead()), WriterLog.verify(store, stream, writer));
      assertEquals(List.of(withNul), WriterLog.readAfter(store, stream, writer, 0, 10));
      assertEquals(
          List.of(stream + "|" + writer),
          store.query(
              "SELECT stream || '|' || writer FROM _agent_store_log WHERE length(CAST(stream AS BLOB)) = 3",
              r -> r.getString(1)));

      Generation nulKey = new Generation("gen\0x");
      assertEquals(1, nulKey.bump(store));
      assertEquals(2, nulKey.bump(store));
      assertEquals(2, nulKey.current(store));
      assertEquals(0, new Generation("gen").current(store));
      assertEquals(0, new Generation("gen\0").current(store));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void emojiAndCjkNamesRoundTripInUtf8ByteOrder(String kind, Function<String, SqliteBackend> open) {
    // UTF-16 order would put the emoji (surrogates D83D..) before U+FF01; UTF-8 puts it after.
    List<String> streams =
        List.of("conv", "émile", "日本語/ストリーム", "\uFF01full-width", "🚀/launch", "𠮷野家");
    List<String> writers = List.of("émile-🚀", "👩‍💻", "作者", "\uFFFD", "z");
    try (SqliteBackend store = open.apply("unicode-" + kind)) {
      WriterLog.ensureSchema(store);
      for (String stream : streams) {
        for (String writer : writers) {
          WriterLog.append(store, stream, writer, utf8(stream + " by " + writer));
        }
      }

      List<String> byteOrder = streams.stream().sorted(Fixtures.UTF8_ORDER).toList();
      assertEquals(
          List.of("conv", "émile", "日本語/ストリーム", "\uFF01full-width", "🚀/launch", "𠮷野家"),
          byteOrder);
      assertEquals(byteOrder, WriterLog.streams(store));
      List<String> writerOrder = writers.stream().sorted(Fixtures.UTF8_ORDER).toList();
      for (String stream : streams) {
        assertEquals(
            writerOrder,
            WriterLog.heads(store, stream).stream().map(Head::writer).toList(),
            stream);
        for (String writer : writers) {
          Entry head = WriterLog.head(store, stream, writer).orElseThrow();
          assertEquals(stream, head.stream());
          assertEquals(writer, head.writer());
          assertArrayEquals(utf8(stream + " by " + writer), head.payload());
          assertEquals(Optional.of(head.toHead()), WriterLog.verify(store, stream, writer));
        }
      }
      assertEquals(
          List.of(utf8("日本語/ストリーム").length),
          store.query(
              "SELECT length(CAST(stream AS BLOB)) FROM _agent_store_log WHERE writer = ? AND"
                  + " stream = ?",
              r -> (int) r.getLong(1),
              "作者",
              "日本語/ストリーム"));
    }
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
