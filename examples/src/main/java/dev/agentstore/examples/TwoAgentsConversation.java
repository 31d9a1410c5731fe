package dev.agentstore.examples;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.agentstore.Entry;
import dev.agentstore.Follower;
import dev.agentstore.Head;
import dev.agentstore.WriterLog;
import dev.agentstore.sqlite.SqliteBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Two agents share one conversation on one SQLite file. Each agent runs on its own thread with its
 * own backend (as two agents in two processes would) and appends to its own chain of the stream
 * {@code conv:demo}; each follows the other's chain to learn when it is its turn. Order comes from
 * the chains — a turn answers the other's seq — never from the clock.
 *
 * <p>Run: {@code java dev.agentstore.examples.TwoAgentsConversation [STORE_FILE]} (default: a new
 * file in a new temporary directory). The file must not exist yet.
 */
public final class TwoAgentsConversation {
  static final String STREAM = "conv:demo";
  static final List<String> QUESTIONS = List.of("2 + 2", "6 * 7", "10 - 3");

  /** How long an agent waits for the other's turn before giving up. */
  private static final Duration TURN_TIMEOUT = Duration.ofSeconds(30);

  private TwoAgentsConversation() {}

  /** Runs the conversation; prints the transcript and each chain's verified head. */
  public static void main(String[] args) throws Exception {
    Path file =
        args.length > 0
            ? Path.of(args[0])
            : Files.createTempDirectory("agent-store-example").resolve("conversation.db");
    if (Files.exists(file)) {
      throw new IllegalArgumentException(file + " exists; give a path for a new store file");
    }
    System.out.println("store: " + file);

    // Lay the tables down once, before either agent starts (it is idempotent anyway).
    try (SqliteBackend db = SqliteBackend.open(file)) {
      WriterLog.ensureSchema(db);
    }

    ExecutorService agents = Executors.newFixedThreadPool(2);
    try {
      Future<?> alice = agents.submit(() -> alice(file));
      Future<?> bob = agents.submit(() -> bob(file));
      alice.get(2, TimeUnit.MINUTES);
      bob.get(2, TimeUnit.MINUTES);
    } finally {
      agents.shutdownNow();
    }

    try (SqliteBackend db = SqliteBackend.open(file)) {
      List<Entry> asked = WriterLog.entries(db, STREAM, "alice").toList();
      List<Entry> answered = WriterLog.entries(db, STREAM, "bob").toList();
      // Bob's seq k answers alice's seq k: that pairing is the conversation's order.
      for (int i = 0; i < asked.size(); i++) {
        System.out.println("alice #" + asked.get(i).seq() + ": " + text(asked.get(i)));
        System.out.println("bob   #" + answered.get(i).seq() + ": " + text(answered.get(i)));
      }
      for (String writer : List.of("alice", "bob")) {
        Head head = WriterLog.verify(db, STREAM, writer).orElseThrow();
        System.out.println(
            "verified " + STREAM + "/" + writer + " up to seq " + head.seq() + ": intact");
      }
    }
  }

  /** Asks each question, then waits for bob's answer to it before asking the next. */
  private static Void alice(Path file) throws InterruptedException {
    try (SqliteBackend db = SqliteBackend.open(file);
        Follower answers = WriterLog.follow(db, STREAM, "bob", 0)) {
      for (String question : QUESTIONS) {
        Entry asked =
            WriterLog.append(db, STREAM, "alice", ("what is " + question + "?").getBytes(UTF_8));
        Entry answer =
            answers
                .poll(TURN_TIMEOUT)
                .orElseThrow(
                    () -> new IllegalStateException("bob never answered seq " + asked.seq()));
        if (answer.seq() != asked.seq()) {
          throw new IllegalStateException(
              "bob answered seq " + answer.seq() + ", not " + asked.seq());
        }
      }
    }
    return null;
  }

  /** Answers each of alice's questions as it commits, until all are answered. */
  private static Void bob(Path file) throws InterruptedException {
    try (SqliteBackend db = SqliteBackend.open(file);
        Follower questions = WriterLog.follow(db, STREAM, "alice", 0)) {
      for (int i = 0; i < QUESTIONS.size(); i++) {
        Entry question =
            questions
                .poll(TURN_TIMEOUT)
                .orElseThrow(() -> new IllegalStateException("alice never asked"));
        // The question is read from the store, as an agent in another process would read it.
        String asked = text(question);
        String expression = asked.substring("what is ".length(), asked.length() - 1);
        String answer = "it is " + evaluate(expression);
        WriterLog.append(db, STREAM, "bob", answer.getBytes(UTF_8));
      }
    }
    return null;
  }

  /** Evaluates "a op b" for the three operators the questions use. */
  static long evaluate(String expression) {
    String[] parts = expression.split(" ");
    long a = Long.parseLong(parts[0]);
    long b = Long.parseLong(parts[2]);
    return switch (parts[1]) {
      case "+" -> a + b;
      case "-" -> a - b;
      case "*" -> a * b;
      default -> throw new IllegalArgumentException("unknown operator in " + expression);
    };
  }

  private static String text(Entry entry) {
    return new String(entry.payload(), UTF_8);
  }
}
