package dev.agentstore;

/**
 * How hard a SQLite commit tries to reach the disk. Both survive a crash of the process; they
 * differ on a power loss or an operating-system crash.
 */
public enum Durability {
  /**
   * {@code synchronous=NORMAL} in WAL mode (the default): a process crash loses nothing that was
   * acknowledged; a power loss may roll back the last transactions, never corrupt the file.
   */
  NORMAL,
  /**
   * {@code synchronous=FULL}: every acknowledged commit also survives a power loss, at a large cost
   * in write throughput.
   */
  FULL
}
