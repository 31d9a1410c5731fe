package dev.agentstore.spi;

import dev.agentstore.InvalidInputException;
import org.jspecify.annotations.Nullable;

/**
 * Argument checks for public entry points, the same in every module. A null argument is the
 * caller's mistake like any other bad argument, so it is an {@link InvalidInputException} naming
 * the argument, never a bare {@code NullPointerException}.
 */
public final class Checks {
  private Checks() {}

  /**
   * Returns {@code value}, or throws {@link InvalidInputException} "{@code what} must not be null".
   *
   * @param value the argument
   * @param what the argument's name, as the caller wrote it
   * @param <T> the argument's type
   * @return {@code value}
   * @throws InvalidInputException when {@code value} is null
   */
  public static <T> T notNull(@Nullable T value, String what) {
    if (value == null) {
      throw new InvalidInputException(what + " must not be null");
    }
    return value;
  }
}
