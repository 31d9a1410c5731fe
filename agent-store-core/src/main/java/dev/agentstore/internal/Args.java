package dev.agentstore.internal;

import dev.agentstore.spi.Checks;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks for the core's public entry points: the same as {@link Checks}, which other
 * modules use, under the name the core has always used.
 */
public final class Args {
  private Args() {}

  /**
   * Returns {@code value}, or throws {@link dev.agentstore.InvalidInputException} "{@code what}
   * must not be null".
   */
  public static <T> T notNull(@Nullable T value, String what) {
    return Checks.notNull(value, what);
  }
}
