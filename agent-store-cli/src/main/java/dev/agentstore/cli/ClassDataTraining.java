package dev.agentstore.cli;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Runs every command once on a scratch SQLite store, and the PostgreSQL commands against a stand-in
 * server, output discarded: the launcher runs this under {@code -XX:ArchiveClassesAtExit} after
 * each build, so that the class-data sharing archive holds the classes of every command, not only
 * those of one. Not part of the command line.
 */
public final class ClassDataTraining {
  private ClassDataTraining() {}

  /** {@code args[0]}: an empty scratch directory, left for the caller to delete. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    String store = dir.resolve("train.db").toString();
    String copy = dir.resolve("copy.db").toString();
    String[][] runs = {
      {"demo", store},
      {"verify", store},
      {"verify", store, "--json"},
      {"streams", store},
      {"streams", store, "--json"},
      {"heads", store},
      {"heads", store, "--json"},
      {"log", store, "--stream", DemoCommand.STREAM, "--writer", "alice"},
      {"log", store, "--stream", DemoCommand.STREAM, "--writer", "alice", "--json"},
      {
        "log",
        store,
        "--stream",
        DemoCommand.STREAM,
        "--writer",
        "alice",
        "--follow",
        "--limit",
        "1"
      },
      {"log", store, "--stream", DemoCommand.STREAM, "--follow", "--json", "--limit", "1"},
      {"gen", store},
      {"gen", store, DemoCommand.GENERATION, "--json"},
      {"gen", "bump", store, "training"},
      {"gen", "set", store, "training", "10"},
      {"append", store, "--stream", "training", "--writer", "w", "payload"},
      {"info", store},
      {"info", store, "--json"},
      {"copy", store, copy},
      {"copy", store, copy, "--json"},
      {"verify", dir.resolve("missing.db").toString()},
      {"verify", "--help"}
    };
    PrintWriter nowhere = new PrintWriter(Writer.nullWriter());
    for (String[] run : runs) {
      Main.run(nowhere, nowhere, run);
    }
    try (RefusingServer server = RefusingServer.start()) {
      String url = server.url();
      String[][] postgres = {
        {"verify", url, "--schema", "training", "--connect-timeout", "2"},
        {"copy", store, url, "--to-schema", "training", "--connect-timeout", "2", "--json"}
      };
      for (String[] run : postgres) {
        Main.run(nowhere, nowhere, run);
      }
    }
  }

  /**
   * A stand-in for a PostgreSQL server on a loopback port, so that training needs no server: it
   * declines TLS and answers every login with a FATAL error. The PostgreSQL commands thereby run
   * their whole path up to the login — the URL check, the driver, the socket, the startup message,
   * the server's error and how the command reports it — and fail with exit code 3.
   */
  private static final class RefusingServer implements AutoCloseable {
    private static final int SSL_REQUEST = 80877103;
    private static final int GSS_ENCRYPTION_REQUEST = 80877104;

    private final ServerSocket socket;

    private RefusingServer(ServerSocket socket) {
      this.socket = socket;
    }

    static RefusingServer start() throws IOException {
      RefusingServer server =
          new RefusingServer(new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1")));
      Thread thread = new Thread(server::serve, "class-data training server");
      thread.setDaemon(true);
      thread.start();
      return server;
    }

    String url() {
      return "jdbc:postgresql://127.0.0.1:" + socket.getLocalPort() + "/training?user=training";
    }

    private void serve() {
      while (!socket.isClosed()) {
        try (Socket client = socket.accept()) {
          DataInputStream in = new DataInputStream(client.getInputStream());
          OutputStream out = client.getOutputStream();
          int code;
          do {
            int length = in.readInt();
            code = in.readInt();
            in.skipNBytes(length - 8L);
            if (code == SSL_REQUEST || code == GSS_ENCRYPTION_REQUEST) {
              out.write('N');
              out.flush();
            }
          } while (code == SSL_REQUEST || code == GSS_ENCRYPTION_REQUEST);
          out.write(refusal());
          out.flush();
        } catch (IOException e) {
          // The socket was closed (training is over) or the client went away: nothing to do.
        }
      }
    }

    /** An ErrorResponse message: FATAL, SQLSTATE 28000 (invalid authorization). */
    private static byte[] refusal() {
      ByteArrayOutputStream fields = new ByteArrayOutputStream();
      for (String field : new String[] {"SFATAL", "VFATAL", "C28000", "Mno server: training"}) {
        fields.writeBytes(field.getBytes(US_ASCII));
        fields.write(0);
      }
      fields.write(0);
      return ByteBuffer.allocate(1 + 4 + fields.size())
          .put((byte) 'E')
          .putInt(4 + fields.size())
          .put(fields.toByteArray())
          .array();
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
