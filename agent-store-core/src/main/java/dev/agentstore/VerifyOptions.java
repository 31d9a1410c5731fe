package dev.agentstore;

/**
 * How {@link WriterLog#verify(Backend, String, String, VerifyOptions)} treats signatures. Every
 * signature present is always checked; these options only decide what an absent one means.
 * Immutable and thread-safe.
 *
 * @param requireSignatures whether an unsigned entry of a writer named by a key fingerprint (64
 *     lower-case hex characters, as a signed append names it) breaks the chain ({@link
 *     ChainBrokenException.Reason#UNSIGNED}). Off by default, so that entries the reference crate
 *     appends unsigned to such a chain verify (mixed fleets); writers with other names never need
 *     signatures.
 */
public record VerifyOptions(boolean requireSignatures) {
  private static final VerifyOptions DEFAULTS = new VerifyOptions(false);

  /**
   * Signatures present are checked; none is required.
   *
   * @return the default options
   */
  public static VerifyOptions defaults() {
    return DEFAULTS;
  }

  /**
   * Like {@link #defaults()}, and every entry of a fingerprint-named writer must be signed.
   *
   * @return the options
   */
  public static VerifyOptions requiringSignatures() {
    return new VerifyOptions(true);
  }

  /**
   * These options with {@link #requireSignatures()} set to {@code require}.
   *
   * @param require true to require a signature on every entry of a fingerprint-named writer
   * @return the new options
   */
  public VerifyOptions withRequireSignatures(boolean require) {
    return new VerifyOptions(require);
  }
}
