package dev.agentstore.postgres;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/** Assertions about what an exception tells its reader. */
final class Failures {
  private Failures() {}

  /**
   * Asserts the message names {@code address} and nothing in the exception shows {@code secret}.
   */
  static void assertNamesWithoutSecret(Throwable failure, String address, String secret) {
    assertTrue(
        String.valueOf(failure.getMessage()).contains(address),
        () -> "message does not name " + address + ":\n" + chain(failure));
    assertNoSecret(failure, secret);
  }

  /** Asserts that no message or description of the exception, its causes or suppressed shows it. */
  static void assertNoSecret(Throwable failure, String secret) {
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    Deque<Throwable> pending = new ArrayDeque<>();
    pending.add(failure);
    while (!pending.isEmpty()) {
      Throwable t = pending.poll();
      if (!seen.add(t)) {
        continue;
      }
      assertFalse(String.valueOf(t.getMessage()).contains(secret), () -> "secret in " + chain(t));
      assertFalse(String.valueOf(t).contains(secret), () -> "secret in " + chain(t));
      if (t.getCause() != null) {
        pending.add(t.getCause());
      }
      Collections.addAll(pending, t.getSuppressed());
    }
  }

  /** Every exception of the cause chain, one per line, for assertion messages. */
  static String chain(Throwable failure) {
    StringBuilder text = new StringBuilder();
    Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
      text.append(t.getClass().getName()).append(": ").append(t.getMessage()).append('\n');
    }
    return text.toString();
  }
}
