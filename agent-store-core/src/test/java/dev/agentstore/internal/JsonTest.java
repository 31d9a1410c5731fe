package dev.agentstore.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The core's JSON reader takes every number of RFC 8259 and refuses what is outside it. */
class JsonTest {

  @Test
  void integersThatFitAreLongsAndEveryOtherNumberIsItsExactDecimal() {
    assertEquals(
        List.of(
            0L,
            0L,
            Long.MAX_VALUE,
            Long.MIN_VALUE,
            new BigDecimal("9223372036854775808"),
            new BigDecimal("0.7"),
            new BigDecimal("-1.25E-3"),
            new BigDecimal("1e3"),
            new BigDecimal("2E+400")),
        Json.parse(
            "[0, -0, 9223372036854775807, -9223372036854775808, 9223372036854775808, 0.7,"
                + " -1.25E-3, 1e3, 2E+400]"));
    assertEquals(Map.of("t", new BigDecimal("0.10")), Json.parse("{\"t\": 0.10}"));
  }

  @Test
  void numbersOutsideTheGrammarAreRefusedWithTheirPlace() {
    assertRefused("[01]", "a number must not begin with 0 at character 2");
    assertRefused("[1.]", "expected a digit after '.' at character 3");
    assertRefused("[-]", "expected a digit at character 2");
    assertRefused("[1e+]", "expected a digit in the exponent at character 4");
    assertRefused("[.5]", "unexpected character '.' at character 1");
    assertRefused("[+1]", "unexpected character '+' at character 1");
    assertRefused("[1e99999999999]", "a number whose exponent is out of range at character 1");
  }

  private static void assertRefused(String text, String message) {
    assertEquals(
        message, assertThrows(IllegalArgumentException.class, () -> Json.parse(text)).getMessage());
  }
}
