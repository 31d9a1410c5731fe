package dev.agentstore.cli;

import java.io.FileDescriptor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.jspecify.annotations.Nullable;

/**
 * Whether the reader of this process's stdout has gone, asked without writing to it: a follow with
 * nothing new to print would otherwise learn that its pipe is closed only at the next entry, which
 * may never come. Polls the descriptor for an error or hang-up, which a pipe or socket reports once
 * its other end is closed. The poll is the JDK's own ({@code sun.nio.ch.Net}), opened to this class
 * by the jar's {@code Add-Opens} entry; where it is not open (another launcher, another JDK), the
 * answer is always "not gone" and a closed pipe is noticed at the next write, as before.
 */
final class ReaderGone {
  private static final @Nullable Probe PROBE = Probe.find();

  private ReaderGone() {}

  /** True once stdout's reader is known to have closed its end; false when unknown. */
  static boolean stdout() {
    return PROBE != null && PROBE.gone(FileDescriptor.out);
  }

  /** Whether this JVM can tell; false means {@link #stdout()} always answers false. */
  static boolean available() {
    return PROBE != null;
  }

  private record Probe(Method poll, short goneEvents) {
    static @Nullable Probe find() {
      try {
        Class<?> net = Class.forName("sun.nio.ch.Net");
        Method poll = net.getDeclaredMethod("poll", FileDescriptor.class, int.class, long.class);
        poll.setAccessible(true);
        return new Probe(poll, (short) (event(net, "POLLERR") | event(net, "POLLHUP")));
      } catch (ReflectiveOperationException | RuntimeException e) {
        return null; // not opened to this module, or another JDK: fall back to noticing on write
      }
    }

    private static short event(Class<?> net, String name) throws ReflectiveOperationException {
      Field field = net.getDeclaredField(name);
      field.setAccessible(true);
      return field.getShort(null);
    }

    boolean gone(FileDescriptor fd) {
      try {
        // No events asked for: only an error or a hang-up is reported, and without waiting.
        int ready = (int) poll.invoke(null, fd, 0, 0L);
        return (ready & goneEvents) != 0;
      } catch (ReflectiveOperationException | RuntimeException e) {
        return false;
      }
    }
  }
}
