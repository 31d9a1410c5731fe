package dev.agentstore.nats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.agentstore.InvalidInputException;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NatsSubjectsTest {

  @Test
  void streamNamesAreEscapedIntoOneTokenOfRecommendedCharacters() {
    NatsSubjects subjects = NatsSubjects.defaults();
    assertEquals("agentstore.commits.conv_3Ademo", subjects.subject("conv:demo"));
    assertEquals("agentstore.commits.a_2Eb_5Fc", subjects.subject("a.b_c"));
    assertEquals("agentstore.commits.x_2A_3E_20y", subjects.subject("x*> y"));
    assertEquals("agentstore.commits.caf_C3_A9", subjects.subject("café"));
    assertEquals("agentstore.commits._00", subjects.subject("\0"));
    assertEquals("agentstore.commits.Plain-Name-09", subjects.subject("Plain-Name-09"));
    assertEquals("agentstore.commits.>", subjects.allStreams());
  }

  @Test
  void escapingIsOneToOne() {
    Random random = new Random(42);
    for (int i = 0; i < 2_000; i++) {
      StringBuilder name = new StringBuilder();
      int length = 1 + random.nextInt(12);
      for (int k = 0; k < length; k++) {
        int pick = random.nextInt(4);
        name.appendCodePoint(
            switch (pick) {
              case 0 -> 'a' + random.nextInt(26);
              case 1 -> "._-*> :/\\\t".charAt(random.nextInt(10));
              case 2 -> 0x80 + random.nextInt(0x700);
              default -> 0x1F600 + random.nextInt(64);
            });
      }
      String token = NatsSubjects.escape(name.toString());
      assertTrue(token.matches("[A-Za-z0-9_-]+"), token);
      assertEquals(name.toString(), NatsSubjects.unescape(token));
    }
    String longest = "\u00e9".repeat(512);
    assertEquals(3_072, NatsSubjects.escape(longest).length());
  }

  @Test
  void tokensThatEscapeWouldNeverWriteAreRefused() {
    for (String bad : List.of("_61", "_2e", "_2", "a.b", "a*", "_C3", "", "_5")) {
      assertThrows(InvalidInputException.class, () -> NatsSubjects.unescape(bad), bad);
    }
    assertThrows(InvalidInputException.class, () -> NatsSubjects.escape(""));
    assertThrows(InvalidInputException.class, () -> NatsSubjects.escape("\ud800"));
  }

  @Test
  void aSubjectNamesItsStream() {
    NatsSubjects subjects = new NatsSubjects("fleet-7.commits");
    assertEquals(Optional.of("conv:demo"), subjects.streamOf("fleet-7.commits.conv_3Ademo"));
    assertEquals(Optional.empty(), subjects.streamOf("fleet-7.commits.a.b"));
    assertEquals(Optional.empty(), subjects.streamOf("other.commits.conv"));
    assertEquals(Optional.empty(), subjects.streamOf("fleet-7.commits._61"));
  }

  @Test
  void prefixesAreCheckedTokens() {
    for (String bad : List.of("", ".a", "a.", "a..b", "a.*", "a.>", "a b", "a.é")) {
      assertThrows(InvalidInputException.class, () -> new NatsSubjects(bad), bad);
    }
    assertEquals("a.b-c.d_e", new NatsSubjects("a.b-c.d_e").prefix());
  }
}
