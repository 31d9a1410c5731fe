package dev.agentstore.internal;

/** What a driver error means to agent-store, independent of the backend that raised it. */
public enum ErrorKind {
  /** Locked by another connection; retrying may succeed. */
  BUSY,
  /** A unique or primary-key constraint rejected a row. */
  UNIQUE_VIOLATION,
  /** The store cannot be written. */
  READ_ONLY,
  /** The file is not a database of this backend, or is damaged. */
  CORRUPT,
  /** No space left for the write. */
  DISK_FULL,
  /** The connection to a server broke; the next call may reconnect. */
  CONNECTION_LOST,
  /** A statement or lock wait hit its timeout. */
  TIMEOUT,
  /** The user lacks a privilege the statement needs (to create a schema or table, to write). */
  PERMISSION_DENIED,
  /** Anything else. */
  OTHER
}
