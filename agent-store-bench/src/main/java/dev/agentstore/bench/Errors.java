package dev.agentstore.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/** Failed operations of one thread, reported by JMH beside the score as {@code errors}. */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Errors {
  /** Operations that threw, in this iteration. */
  public long errors;

  @Setup(Level.Iteration)
  public void reset() {
    errors = 0;
  }
}
