package dev.agentstore.internal;

import java.sql.SQLException;

/** Work done with a connection; may throw the driver's exceptions, which the backend translates. */
@FunctionalInterface
public interface SqlWork<T> {
  T run(Tx tx) throws SQLException;
}
