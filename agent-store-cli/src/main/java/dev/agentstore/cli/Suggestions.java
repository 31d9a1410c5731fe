package dev.agentstore.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one-line message for a command line picocli could not parse, with "did you mean ...?" for a
 * mistyped subcommand or option. picocli's own {@link UnmatchedArgumentException#printSuggestions}
 * prints on a second line and proposes options by their first two letters only ({@code --strem}
 * gets every option starting with {@code --st}); here the nearest names by edit distance are
 * proposed, and only when they are near enough to be the likely intent.
 */
final class Suggestions {
  private Suggestions() {}

  /** The message for {@code e}, on one line, with a suggestion when there is one. */
  static String message(ParameterException e) {
    String message = Main.oneLine(e);
    if (!(e instanceof UnmatchedArgumentException unmatched)) {
      return message;
    }
    List<String> args = unmatched.getUnmatched();
    if (args.isEmpty() || args.get(0) == null) {
      return message;
    }
    String first = args.get(0);
    CommandSpec spec = e.getCommandLine().getCommandSpec();
    if (first.startsWith("-")) {
      String name = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
      List<String> options = new ArrayList<>();
      for (OptionSpec option : spec.options()) {
        if (!option.hidden()) {
          options.addAll(List.of(option.names()));
        }
      }
      return "unknown option '" + name + "'" + didYouMean(name, options);
    }
    if (!spec.subcommands().isEmpty() && spec.positionalParameters().isEmpty()) {
      List<String> commands = new ArrayList<>();
      for (CommandLine sub : spec.subcommands().values()) {
        if (!sub.getCommandSpec().usageMessage().hidden()) {
          commands.add(sub.getCommandName());
        }
      }
      return "unknown command '" + first + "'" + didYouMean(first, commands);
    }
    return message;
  }

  /** {@code "; did you mean X?"} (or "X or Y") for the nearest candidates, or "" when none is. */
  static String didYouMean(String typed, List<String> candidates) {
    List<String> nearest = nearest(typed, candidates);
    return nearest.isEmpty() ? "" : "; did you mean " + String.join(" or ", nearest) + "?";
  }

  /**
   * The candidates nearest to {@code typed}: those at the smallest edit distance (insertion,
   * deletion, substitution, transposition of neighbours), when that distance is at most a third of
   * the word (at most 2; none for a word under three letters, where everything is near); else those
   * that start with what was typed (an abbreviation).
   */
  static List<String> nearest(String typed, List<String> candidates) {
    String word = bare(typed);
    int limit = word.length() < 3 ? 0 : Math.max(1, Math.min(2, word.length() / 3));
    int best = Integer.MAX_VALUE;
    List<String> nearest = new ArrayList<>();
    for (String candidate : candidates) {
      int distance = distance(word, bare(candidate));
      if (distance > limit || distance > best) {
        continue;
      }
      if (distance < best) {
        best = distance;
        nearest.clear();
      }
      if (!nearest.contains(candidate)) {
        nearest.add(candidate);
      }
    }
    if (nearest.isEmpty() && word.length() >= 2) {
      for (String candidate : candidates) {
        if (bare(candidate).startsWith(word) && !nearest.contains(candidate)) {
          nearest.add(candidate);
        }
      }
    }
    return nearest.size() > 3 ? List.of() : nearest;
  }

  /** The name without its leading dashes: {@code --strem} and {@code -strem} are the same typo. */
  private static String bare(String name) {
    int i = 0;
    while (i < name.length() && name.charAt(i) == '-') {
      i++;
    }
    return name.substring(i);
  }

  /** The optimal string alignment distance between {@code a} and {@code b}. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
