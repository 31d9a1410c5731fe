package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The user documentation hangs together: every relative link in the README, CONTRIBUTING and the
 * pages of {@code docs/} points at a file that exists and, with a {@code #fragment}, at a heading
 * of that file; and every page of {@code docs/} is linked from the README.
 */
class DocsLinksTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** {@code [text](target)}, the only link form the documentation uses. */
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

  private static final Pattern HEADING = Pattern.compile("^#{1,6} (.+)$");

  @Test
  void everyRelativeLinkReachesAFileAndAHeading() throws IOException {
    List<String> broken = new ArrayList<>();
    for (Path page : pages()) {
      for (String target : links(page)) {
        String problem = check(page, target);
        if (problem != null) {
          broken.add(ROOT.relativize(page) + ": " + target + ": " + problem);
        }
      }
    }
    assertEquals(List.of(), broken);
  }

  @Test
  void theReadmeLinksEveryPageOfTheDocs() throws IOException {
    Set<String> linked = new HashSet<>(links(ROOT.resolve("README.md")));
    Set<String> unlinked = new TreeSet<>();
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md"))
          .map(p -> "docs/" + p.getFileName())
          .filter(name -> !linked.contains(name))
          .forEach(unlinked::add);
    }
    assertEquals(Set.of(), unlinked);
  }

  private static List<Path> pages() throws IOException {
    List<Path> pages =
        new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("CONTRIBUTING.md")));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
    }
    return pages;
  }

  /** The link targets of a page, outside fenced code blocks. */
  private static List<String> links(Path page) throws IOException {
    List<String> targets = new ArrayList<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page, UTF_8)) {
      if (line.stripLeading().startsWith("```")) {
        fenced = !fenced;
        continue;
      }
      if (!fenced) {
        Matcher m = LINK.matcher(line);
        while (m.find()) {
          targets.add(m.group(1));
        }
      }
    }
    return targets;
  }

  /** Null when {@code target}, linked from {@code page}, resolves; otherwise what is wrong. */
  private static String check(Path page, String target) throws IOException {
    if (target.matches("^[a-z]+:.*")) {
      return null; // https:, mailto: and the like are not checked here
    }
    int hash = target.indexOf('#');
    String file = hash < 0 ? target : target.substring(0, hash);
    Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
    if (!Files.exists(resolved)) {
      return "no such file " + ROOT.relativize(resolved);
    }
    if (hash < 0) {
      return null;
    }
    String fragment = target.substring(hash + 1);
    if (Files.isDirectory(resolved) || !resolved.toString().endsWith(".md")) {
      return "a fragment on something that is not a Markdown page";
    }
    Set<String> anchors = anchors(resolved);
    return anchors.contains(fragment) ? null : "no heading with anchor #" + fragment + " there";
  }

  /** The anchors GitHub gives a page's headings. */
  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new HashSet<>();
    boolean fenced = false;
    for (String line : Files.readAllLines(page, UTF_8)) {
      if (line.stripLeading().startsWith("```")) {
        fenced = !fenced;
      }
      Matcher m = HEADING.matcher(line);
      if (!fenced && m.matches()) {
        anchors.add(slug(m.group(1)));
      }
    }
    return anchors;
  }

  /** GitHub's rule: lower case, punctuation dropped (but '-' and '_'), each space a '-'. */
  static String slug(String heading) {
    return heading
        .strip()
        .toLowerCase(Locale.ROOT)
        .replaceAll("[^\\p{L}\\p{N} _-]", "")
        .replace(' ', '-');
  }
}
