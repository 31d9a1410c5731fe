package dev.agentstore.internal;

import dev.agentstore.InvalidInputException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The stored form of a recall vector (little-endian IEEE 754 float32, four bytes a dimension, no
 * header) and the checks and arithmetic on it. Scoring reads floats straight out of the driver's
 * byte array through a {@link VarHandle}: no boxing, no intermediate {@code float[]}.
 */
public final class Vectors {
  /** The most dimensions a vector may have (pgvector's {@code vector} type has the same limit). */
  public static final int MAX_DIMENSION = 16_000;

  /** The longest model name, in UTF-8 bytes. */
  public static final int MAX_MODEL_BYTES = 128;

  private static final VarHandle FLOATS =
      MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

  private Vectors() {}

  /** {@code vector} as its stored bytes. */
  public static byte[] encode(float[] vector) {
    byte[] out = new byte[vector.length * Float.BYTES];
    for (int i = 0; i < vector.length; i++) {
      FLOATS.set(out, i * Float.BYTES, vector[i]);
    }
    return out;
  }

  /** The vector stored as {@code bytes}, whose length is a multiple of four. */
  public static float[] decode(byte[] bytes) {
    float[] out = new float[bytes.length / Float.BYTES];
    for (int i = 0; i < out.length; i++) {
      out[i] = (float) FLOATS.get(bytes, i * Float.BYTES);
    }
    return out;
  }

  /** The Euclidean norm of {@code vector}, accumulated in double. */
  public static double norm(float[] vector) {
    double sum = 0;
    for (float x : vector) {
      sum += (double) x * x;
    }
    return Math.sqrt(sum);
  }

  /**
   * The cosine similarity of {@code query} (whose norm is {@code queryNorm}) and the vector stored
   * as {@code stored}, which must hold exactly {@code query.length} floats; NaN when the stored
   * vector is zero or not finite, which no vector this library stored can be.
   */
  public static double cosine(float[] query, double queryNorm, byte[] stored) {
    // Two independent accumulator pairs let the CPU overlap the multiply-adds of neighbouring
    // dimensions; double accumulators keep rankings of near-equal scores stable across lengths.
    double dot0 = 0;
    double dot1 = 0;
    double sq0 = 0;
    double sq1 = 0;
    int n = query.length;
    int i = 0;
    for (; i + 1 < n; i += 2) {
      double a = (float) FLOATS.get(stored, i * Float.BYTES);
      double b = (float) FLOATS.get(stored, (i + 1) * Float.BYTES);
      dot0 += query[i] * a;
      sq0 += a * a;
      dot1 += query[i + 1] * b;
      sq1 += b * b;
    }
    if (i < n) {
      double a = (float) FLOATS.get(stored, i * Float.BYTES);
      dot0 += query[i] * a;
      sq0 += a * a;
    }
    double storedNorm = Math.sqrt(sq0 + sq1);
    if (storedNorm == 0 || !Double.isFinite(storedNorm)) {
      return Double.NaN;
    }
    return (dot0 + dot1) / (queryNorm * storedNorm);
  }

  /**
   * Returns {@code vector} when it can be stored and compared by cosine: not null, 1 to {@link
   * #MAX_DIMENSION} floats, every one finite, not all zero.
   *
   * @param what what the vector is ("vector", "query vector")
   * @param where where it was used, appended to the message (e.g. " for conv/alice seq 3")
   */
  public static float[] check(float[] vector, String what, String where) {
    if (vector == null) {
      throw new InvalidInputException(what + " must not be null" + where);
    }
    if (vector.length == 0) {
      throw new InvalidInputException(what + " must not be empty" + where);
    }
    if (vector.length > MAX_DIMENSION) {
      throw new InvalidInputException(
          String.format(
              Locale.ROOT,
              "%s has %,d dimensions; the limit is %,d%s",
              what,
              vector.length,
              MAX_DIMENSION,
              where));
    }
    boolean zero = true;
    for (int i = 0; i < vector.length; i++) {
      float x = vector[i];
      if (!Float.isFinite(x)) {
        throw new InvalidInputException(
            what + " has " + x + " at index " + i + "; every value must be finite" + where);
      }
      zero &= x == 0;
    }
    if (zero) {
      throw new InvalidInputException(
          what + " is all zeros; a zero vector has no direction to compare by cosine" + where);
    }
    return vector;
  }

  /**
   * Returns {@code model} when it can name a model's vectors: a name the tables can hold, not
   * empty, at most {@link #MAX_MODEL_BYTES} in UTF-8.
   */
  public static String checkModel(String model, boolean nulAllowed) {
    String name = Names.accept("model", model, "", nulAllowed);
    if (name.isEmpty()) {
      throw new InvalidInputException("model must not be empty");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_MODEL_BYTES) {
      throw new InvalidInputException(
          "model "
              + Names.quote(name)
              + " is "
              + bytes
              + " bytes in UTF-8; the limit is "
              + MAX_MODEL_BYTES
              + " bytes");
    }
    return name;
  }
}
