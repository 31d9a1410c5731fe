package dev.agentstore.internal;

import java.util.HexFormat;

/** Lower-case hex, the one text form of hashes and fingerprints. */
public final class Hex {
  private static final HexFormat FORMAT = HexFormat.of();

  private Hex() {}

  public static String encode(byte[] bytes) {
    return FORMAT.formatHex(bytes);
  }

  /** Decodes hex of either case; throws {@link IllegalArgumentException} on bad input. */
  public static byte[] decode(CharSequence hex) {
    return FORMAT.parseHex(hex);
  }

  /** The first {@code chars} hex characters, for tables meant for people. */
  public static String shortHex(byte[] bytes, int chars) {
    String full = encode(bytes);
    return full.length() <= chars ? full : full.substring(0, chars);
  }
}
