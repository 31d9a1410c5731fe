package dev.agentstore.cli;

/**
 * How many terminal columns text takes, for aligning the columns of text output.
 *
 * <p>East Asian wide and fullwidth characters (CJK ideographs and their extensions, Hiragana,
 * Katakana, Hangul syllables, CJK symbols and punctuation, fullwidth forms) and emoji shown as
 * pictures take two columns; combining marks, variation selectors and format characters such as the
 * zero-width joiner take none; every other code point takes one. This covers the common cases of
 * {@code wcwidth}, not the whole Unicode East Asian Width table: a sequence that a terminal draws
 * as one picture (an emoji joined by U+200D, a flag, a text symbol made an emoji by U+FE0F) counts
 * as the sum of its parts. Control characters are not expected: output that may hold them escapes
 * them first ({@link Payloads#oneLine}); unescaped, they count one.
 */
final class DisplayWidth {
  /**
   * Inclusive ranges of code points that take two columns, in ascending order: the East Asian wide
   * and fullwidth blocks, and the emoji with default emoji presentation.
   */
  private static final int[][] WIDE = {
    {0x1100, 0x115F}, // Hangul Jamo leading consonants
    {0x231A, 0x231B}, // watch, hourglass
    {0x23E9, 0x23EC},
    {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},
    {0x25FD, 0x25FE},
    {0x2614, 0x2615}, // umbrella with rain, hot beverage
    {0x2648, 0x2653}, // zodiac signs
    {0x267F, 0x267F},
    {0x2693, 0x2693},
    {0x26A1, 0x26A1},
    {0x26AA, 0x26AB},
    {0x26BD, 0x26BE},
    {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},
    {0x26D4, 0x26D4},
    {0x26EA, 0x26EA},
    {0x26F2, 0x26F3},
    {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},
    {0x26FD, 0x26FD},
    {0x2705, 0x2705}, // check mark button
    {0x270A, 0x270B},
    {0x2728, 0x2728},
    {0x274C, 0x274C},
    {0x274E, 0x274E},
    {0x2753, 0x2755},
    {0x2757, 0x2757},
    {0x2795, 0x2797},
    {0x27B0, 0x27B0},
    {0x27BF, 0x27BF},
    {0x2B1B, 0x2B1C},
    {0x2B50, 0x2B50},
    {0x2B55, 0x2B55},
    {0x2E80, 0x303E}, // CJK radicals .. CJK symbols and punctuation
    {
      0x3041, 0x33FF
    }, // Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo .. CJK compatibility
    {0x3400, 0x4DBF}, // CJK unified ideographs extension A
    {0x4E00, 0x9FFF}, // CJK unified ideographs
    {0xA000, 0xA4CF}, // Yi
    {0xA960, 0xA97F}, // Hangul Jamo extended A
    {0xAC00, 0xD7A3}, // Hangul syllables
    {0xF900, 0xFAFF}, // CJK compatibility ideographs
    {0xFE10, 0xFE19}, // vertical forms
    {0xFE30, 0xFE6F}, // CJK compatibility forms, small form variants
    {0xFF00, 0xFF60}, // fullwidth forms
    {0xFFE0, 0xFFE6}, // fullwidth signs
    {0x1F004, 0x1F004},
    {0x1F0CF, 0x1F0CF},
    {0x1F18E, 0x1F18E},
    {0x1F191, 0x1F19A},
    {0x1F200, 0x1F2FF}, // enclosed ideographic supplement
    {0x1F300, 0x1F64F}, // miscellaneous symbols and pictographs, emoticons
    {0x1F680, 0x1F6FF}, // transport and map symbols
    {0x1F7E0, 0x1F7EB}, // coloured circles and squares
    {0x1F900, 0x1F9FF}, // supplemental symbols and pictographs
    {0x1FA70, 0x1FAFF}, // symbols and pictographs extended A
    {0x20000, 0x2FFFD}, // CJK unified ideographs extensions B .. F, compatibility supplement
    {0x30000, 0x3FFFD}, // CJK unified ideographs extensions G ..
  };

  private DisplayWidth() {}

  /** The columns {@code text} takes: the sum over its code points of {@link #of(int)}. */
  static int of(String text) {
    int width = 0;
    for (int i = 0; i < text.length(); ) {
      int codePoint = text.codePointAt(i);
      width += of(codePoint);
      i += Character.charCount(codePoint);
    }
    return width;
  }

  /** The columns one code point takes: 0, 1 or 2. */
  static int of(int codePoint) {
    int type = Character.getType(codePoint);
    // Variation selectors are non-spacing marks; U+200B..U+200F, U+2060 and U+FEFF are formats.
    // The soft hyphen is a format character that terminals draw as a hyphen.
    if (type == Character.NON_SPACING_MARK
        || type == Character.ENCLOSING_MARK
        || (type == Character.FORMAT && codePoint != 0xAD)) {
      return 0;
    }
    return isWide(codePoint) ? 2 : 1;
  }

  private static boolean isWide(int codePoint) {
    int low = 0;
    int high = WIDE.length - 1;
    while (low <= high) {
      int middle = (low + high) >>> 1;
      if (codePoint < WIDE[middle][0]) {
        high = middle - 1;
      } else if (codePoint > WIDE[middle][1]) {
        low = middle + 1;
      } else {
        return true;
      }
    }
    return false;
  }
}
