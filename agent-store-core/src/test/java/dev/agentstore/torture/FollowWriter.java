package dev.agentstore.torture;

import dev.agentstore.Backend;
import dev.agentstore.Entry;
import dev.agentstore.StorePolicy;
import dev.agentstore.WriterLog;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The writing side of the follower tests, in a child JVM: opens the store a policy file names,
 * optionally attaches a plugin (a bridge), prints {@code ready}, then obeys commands on standard
 * input: {@code burst N} appends N entries one commit each and prints {@code burst done}; {@code
 * quit} writes {@code SEQ NANOS} for every append (the monotonic clock just after it returned) to
 * the ACKS file and exits.
 *
 * <p>Arguments: {@code POLICY ACKS STREAM WRITER PLUGIN PLUGIN_ARG}; PLUGIN is {@code -} or the
 * name of a class with a no-argument constructor implementing {@code BiFunction<Backend, String,
 * AutoCloseable>}, called with the backend and PLUGIN_ARG.
 */
public final class FollowWriter {
  private FollowWriter() {}

  @SuppressWarnings("unchecked")
  public static void main(String[] args) throws Exception {
    Path policy = Path.of(args[0]);
    Path acks = Path.of(args[1]);
    String stream = args[2];
    String writer = args[3];
    String plugin = args[4];
    String pluginArg = args[5];
    List<String> lines = new ArrayList<>();
    try (Backend db = StorePolicy.read(policy).open()) {
      AutoCloseable attached =
          plugin.equals("-")
              ? () -> {}
              : ((BiFunction<Backend, String, AutoCloseable>)
                      Class.forName(plugin).getDeclaredConstructor().newInstance())
                  .apply(db, pluginArg);
      System.out.println("ready");
      System.out.flush();
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      int burst = 0;
      for (String command; (command = commands.readLine()) != null; ) {
        if (command.equals("quit")) {
          break;
        }
        int count = Integer.parseInt(command.substring("burst ".length()));
        burst++;
        for (int i = 0; i < count; i++) {
          byte[] payload = ("burst " + burst + " #" + i).getBytes(StandardCharsets.UTF_8);
          Entry entry = WriterLog.append(db, stream, writer, payload);
          // System.nanoTime is CLOCK_MONOTONIC on Linux, shared by every process of the machine.
          lines.add(entry.seq() + " " + System.nanoTime());
        }
        System.out.println("burst done");
        System.out.flush();
      }
      attached.close();
    }
    Files.write(acks, lines, StandardCharsets.UTF_8);
    System.out.println("done");
  }
}
