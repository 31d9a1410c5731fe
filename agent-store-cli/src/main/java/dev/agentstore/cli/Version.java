package dev.agentstore.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/**
 * The command's version, for {@code -V} on every command: the jar manifest's {@code
 * Implementation-Version} (the build writes it), else {@code version.properties}, which the build
 * filters with the project version, for runs from {@code target/classes} (tests, an IDE), where
 * there is no manifest. Never hard-coded, so a release cannot print a stale number.
 */
final class Version implements IVersionProvider {
  /** What is printed when neither source is there (classes copied by hand). */
  static final String UNKNOWN = "unknown";

  @Override
  public String[] getVersion() {
    return new String[] {"agent-store " + current()};
  }

  /** The version, e.g. {@code 0.1.0-SNAPSHOT}. */
  static String current() {
    String manifest = Version.class.getPackage().getImplementationVersion();
    if (manifest != null && !manifest.isBlank()) {
      return manifest;
    }
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties properties = new Properties();
        properties.load(in);
        String version = properties.getProperty("version", "");
        // An unfiltered copy still holds the placeholder: no better than nothing.
        if (!version.isBlank() && !version.startsWith("${")) {
          return version;
        }
      }
    } catch (IOException e) {
      // Falls through: the version is cosmetic, never a reason to fail the command.
    }
    return UNKNOWN;
  }
}
