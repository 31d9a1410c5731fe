package dev.agentstore.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Whether a path lies on a read-only mount. {@link java.nio.file.FileStore#isReadOnly} cannot be
 * trusted for this: on Linux it picks the mount by device and misses a read-only bind mount of a
 * directory of a writable file system. The kernel's own table, {@code /proc/self/mountinfo}, names
 * every mount point with its per-mount options.
 */
public final class MountTable {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountTable() {}

  /** Whether the mount holding {@code existing} (which must exist) is read-only. */
  public static boolean isReadOnly(Path existing) {
    try {
      Path real = existing.toRealPath();
      if (!Files.isReadable(MOUNTINFO)) {
        return Files.getFileStore(real).isReadOnly();
      }
      List<String> lines = Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8);
      String best = null;
      boolean readOnly = false;
      for (String line : lines) {
        // id parent major:minor root mount-point mount-options ...
        String[] fields = line.split(" ");
        if (fields.length < 6) {
          continue;
        }
        String mountPoint = unescape(fields[4]);
        // Later lines are mounted over earlier ones at the same point: the last match wins.
        if (real.startsWith(mountPoint) && (best == null || mountPoint.length() >= best.length())) {
          best = mountPoint;
          readOnly = List.of(fields[5].split(",")).contains("ro");
        }
      }
      return readOnly;
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** Mount points escape space, tab, newline and backslash as three octal digits. */
  private static String unescape(String field) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
