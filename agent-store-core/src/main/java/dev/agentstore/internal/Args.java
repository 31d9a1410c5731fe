package dev.agentstore.internal;

import dev.agentstore.InvalidInputException;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks for public entry points. A null argument is the caller's mistake like any other
 * bad argument, so it is an {@link InvalidInputException} naming the argument, never a bare {@code
 * NullPointerException}.
 */
public final class Args {
  private Args() {}

  /**
   * Returns {@code value}, or throws {@link InvalidInputException} "{@code what} must not be null".
   */
  public static <T> T notNull(@Nullable T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " must not be null");
    }
    return value;
  }
}
