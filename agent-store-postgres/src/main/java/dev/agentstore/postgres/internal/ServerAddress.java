package dev.agentstore.postgres.internal;

/**
 * The part of a PostgreSQL JDBC URL that is safe to show: hosts, ports and database, never user
 * information or parameters (which may hold a password).
 */
public final class ServerAddress {
  private ServerAddress() {}

  /** {@code host:port[,host:port]/database} of a {@code jdbc:postgresql:} URL. */
  public static String of(String jdbcUrl) {
    String rest = jdbcUrl;
    int query = rest.indexOf('?');
    if (query >= 0) {
      rest = rest.substring(0, query);
    }
    String prefix = "jdbc:postgresql:";
    if (!rest.startsWith(prefix)) {
      return "(not a jdbc:postgresql: URL)";
    }
    rest = rest.substring(prefix.length());
    if (!rest.startsWith("//")) {
      return "localhost:5432/" + rest;
    }
    rest = rest.substring(2);
    int slash = rest.indexOf('/');
    String hosts = slash >= 0 ? rest.substring(0, slash) : rest;
    String database = slash >= 0 ? rest.substring(slash + 1) : "";
    int at = hosts.lastIndexOf('@');
    if (at >= 0) {
      hosts = hosts.substring(at + 1);
    }
    StringBuilder shown = new StringBuilder();
    for (String host : hosts.split(",", -1)) {
      if (shown.length() > 0) {
        shown.append(',');
      }
      shown.append(host.isEmpty() ? "localhost" : host);
      if (!host.contains(":") || host.endsWith("]")) {
        shown.append(":5432");
      }
    }
    return shown + "/" + database;
  }
}
