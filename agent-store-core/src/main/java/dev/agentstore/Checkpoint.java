package dev.agentstore;

import dev.agentstore.internal.Args;
import dev.agentstore.internal.Hex;
import dev.agentstore.internal.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A signed statement of chain heads: for each selected chain its stream, writer, head seq and head
 * content hash, with a description of the store and the signer's public key, signed with Ed25519.
 * Kept somewhere the store's owner cannot rewrite (a {@link CheckpointSink}: a file elsewhere, a
 * NATS stream, a witness table in another database), it turns what a bare hash chain cannot see
 * into something {@link #check} reports: a cut tail ({@link ChainStatus#TRUNCATED}), a consistent
 * rewrite ({@link ChainStatus#REWRITTEN}), a chain gone ({@link ChainStatus#MISSING}).
 *
 * <p>The form is canonical JSON, documented in the README ("Tamper evidence") so that another
 * implementation can check it: {@code
 * {"chains":[{"content_hash":HEX,"seq":N,"stream":S,"writer":W},...],"signature":HEX,"signer":HEX,"store":S,"version":1}}.
 * The signature covers the ASCII tag {@code agent-store/checkpoint}, the byte {@code 0x01} and the
 * UTF-8 canonical JSON of the same object without its {@code signature} member.
 *
 * <p>Immutable and thread-safe.
 *
 * @param store a description of the store the checkpoint was taken of; informational, since a store
 *     may be copied or moved and still extend it
 * @param chains the heads, ordered by stream then writer (UTF-8 byte order)
 * @param signer the public key that signed
 * @param signature the 64-byte Ed25519 signature
 */
public record Checkpoint(
    String store, List<Head> chains, WriterPublicKey signer, byte[] signature) {
  /** The version of the checkpoint format this library writes and reads. */
  public static final int VERSION = 1;

  private static final byte[] TAG = "agent-store/checkpoint".getBytes(StandardCharsets.US_ASCII);

  /**
   * Checks that nothing is null and copies the list and the signature.
   *
   * @param store a description of the store the checkpoint was taken of; informational, since a
   *     store may be copied or moved and still extend it
   * @param chains the heads, ordered by stream then writer (UTF-8 byte order)
   * @param signer the public key that signed
   * @param signature the 64-byte Ed25519 signature
   */
  public Checkpoint {
    Args.notNull(store, "store");
    Args.notNull(chains, "chains");
    Args.notNull(signer, "signer");
    Args.notNull(signature, "signature");
    chains = List.copyOf(chains);
    signature = signature.clone();
  }

  /** {@return the 64-byte Ed25519 signature (a copy)} */
  @Override
  public byte[] signature() {
    return signature.clone();
  }

  /** Which chains a checkpoint covers. Immutable. */
  public static final class Selection {
    private final @Nullable String stream;
    private final @Nullable String writer;

    private Selection(@Nullable String stream, @Nullable String writer) {
      this.stream = stream;
      this.writer = writer;
    }

    /** {@return every chain of the store} */
    public static Selection all() {
      return new Selection(null, null);
    }

    /**
     * {@return every chain of {@code stream}}
     *
     * @param stream the stream to cover
     */
    public static Selection stream(String stream) {
      return new Selection(Args.notNull(stream, "stream"), null);
    }

    /**
     * {@return the chains of {@code writer}, on every stream}
     *
     * @param writer the writer to cover, in every stream
     */
    public static Selection writer(String writer) {
      return new Selection(null, Args.notNull(writer, "writer"));
    }

    /**
     * {@return the one chain {@code (stream, writer)}}
     *
     * @param stream the stream to cover
     * @param writer the writer to cover, in every stream
     */
    public static Selection chain(String stream, String writer) {
      return new Selection(Args.notNull(stream, "stream"), Args.notNull(writer, "writer"));
    }

    /** {@return the stream selected, when one is} */
    public Optional<String> selectedStream() {
      return Optional.ofNullable(stream);
    }

    /** {@return the writer selected, when one is} */
    public Optional<String> selectedWriter() {
      return Optional.ofNullable(writer);
    }
  }

  /**
   * Signs the current heads of the chains {@code selection} names. Records the heads as the store
   * holds them: verify the chains first when the store may already have been tampered with. One
   * query for the heads.
   *
   * @param backend the store whose heads to sign
   * @param key the key that signs; its public half becomes {@link #signer()}
   * @param selection which chains to cover
   * @return the signed checkpoint
   * @throws InvalidInputException when a chain was selected by name and has no entries
   */
  public static Checkpoint take(Backend backend, WriterKey key, Selection selection) {
    Args.notNull(backend, "backend");
    Args.notNull(key, "key");
    Args.notNull(selection, "selection");
    List<Head> chosen = heads(backend, selection);
    if (chosen.isEmpty() && (selection.stream != null || selection.writer != null)) {
      throw new InvalidInputException(
          "nothing to checkpoint in "
              + backend.describe()
              + ": no chain of "
              + (selection.stream == null ? "" : "stream " + selection.stream)
              + (selection.stream != null && selection.writer != null ? " and " : "")
              + (selection.writer == null ? "" : "writer " + selection.writer));
    }
    String store = backend.describe();
    byte[] signature = key.sign(signedBytes(store, chosen, key.publicKey()));
    return new Checkpoint(store, chosen, key.publicKey(), signature);
  }

  /** The current heads of the chains {@code selection} names, in {@link WriterLog#heads} order. */
  static List<Head> heads(Backend backend, Selection selection) {
    List<Head> heads =
        selection.stream == null
            ? WriterLog.heads(backend)
            : WriterLog.heads(backend, selection.stream);
    List<Head> chosen = new ArrayList<>();
    for (Head head : heads) {
      if (selection.writer == null || selection.writer.equals(head.writer())) {
        chosen.add(head);
      }
    }
    return chosen;
  }

  /** Whether {@code selection} covers the chain {@code (stream, writer)}. */
  static boolean covers(Selection selection, String stream, String writer) {
    return (selection.stream == null || selection.stream.equals(stream))
        && (selection.writer == null || selection.writer.equals(writer));
  }

  /** Whether a checkpoint's signature holds, and whether its signer is trusted. */
  public enum SignatureStatus {
    /** The signature verifies, by a trusted key. */
    VALID,
    /** The signature does not verify over the checkpoint's content: it was altered or forged. */
    BAD_SIGNATURE,
    /** The signature verifies, but its key is not among the trusted ones. */
    UNTRUSTED_SIGNER
  }

  /** How a chain of the store stands against the checkpoint. */
  public enum ChainStatus {
    /**
     * The chain holds the checkpoint's entry at the checkpoint's seq: it is that chain, grown or
     * not.
     */
    EXTENDS,
    /** The chain's head is below the checkpoint's seq: its tail was cut. */
    TRUNCATED,
    /** The chain's entry at the checkpoint's seq has another content hash, or is missing. */
    REWRITTEN,
    /** The chain has no entries at all. */
    MISSING
  }

  /**
   * One chain of a checkpoint, checked.
   *
   * @param stream the chain's stream
   * @param writer the chain's writer
   * @param checkpointSeq the head seq the checkpoint records
   * @param headSeq the chain's head seq now (0 when it has no entries)
   * @param status how the chain stands
   */
  public record ChainResult(
      String stream, String writer, long checkpointSeq, long headSeq, ChainStatus status) {
    /**
     * {@return one line in words, e.g. {@code conv/alice truncated: head 34, checkpoint at seq 40}}
     */
    public String describe() {
      String chain = stream + "/" + writer;
      return switch (status) {
        case EXTENDS ->
            chain
                + " extends the checkpoint: head "
                + headSeq
                + ", checkpoint at seq "
                + checkpointSeq;
        case TRUNCATED ->
            chain + " truncated: head " + headSeq + ", checkpoint at seq " + checkpointSeq;
        case REWRITTEN ->
            chain
                + " rewritten: seq "
                + checkpointSeq
                + " is not the entry the checkpoint recorded (head "
                + headSeq
                + ")";
        case MISSING -> chain + " missing: no entries, checkpoint at seq " + checkpointSeq;
      };
    }
  }

  /**
   * What {@link #check} found.
   *
   * @param signature whether the checkpoint's signature holds and its signer is trusted
   * @param chains every chain of the checkpoint, in its order
   */
  public record Result(SignatureStatus signature, List<ChainResult> chains) {
    /**
     * Checks that nothing is null and copies the list.
     *
     * @param signature whether the checkpoint's signature holds and its signer is trusted
     * @param chains every chain of the checkpoint, in its order
     */
    public Result {
      Args.notNull(signature, "signature");
      chains = List.copyOf(chains);
    }

    /**
     * {@return whether the signature is valid and trusted and every chain extends the checkpoint}
     */
    public boolean ok() {
      return signature == SignatureStatus.VALID
          && chains.stream().allMatch(c -> c.status() == ChainStatus.EXTENDS);
    }

    /** {@return the chains that do not extend the checkpoint} */
    public List<ChainResult> failures() {
      return chains.stream().filter(c -> c.status() != ChainStatus.EXTENDS).toList();
    }
  }

  /**
   * Checks the store against {@code checkpoint}: its signature, its signer against {@code
   * trustedKeys}, and for each chain whether the store still holds the recorded entry at the
   * recorded seq (one read of that entry and one of the head per chain). Entries after the
   * checkpoint are fine. That the entries up to that seq link to it is {@link WriterLog#verify}'s
   * job: together, they pin every entry the checkpoint covers.
   *
   * @param backend the store to check
   * @param checkpoint the checkpoint to check against
   * @param trustedKeys the signers to trust; an empty collection trusts none
   * @return the signature status and one result per chain of the checkpoint
   */
  public static Result check(
      Backend backend, Checkpoint checkpoint, Collection<WriterPublicKey> trustedKeys) {
    Args.notNull(backend, "backend");
    Args.notNull(checkpoint, "checkpoint");
    Args.notNull(trustedKeys, "trustedKeys");
    SignatureStatus signature;
    if (!checkpoint.signatureVerifies()) {
      signature = SignatureStatus.BAD_SIGNATURE;
    } else if (!Set.copyOf(trustedKeys).contains(checkpoint.signer)) {
      signature = SignatureStatus.UNTRUSTED_SIGNER;
    } else {
      signature = SignatureStatus.VALID;
    }
    List<ChainResult> results = new ArrayList<>();
    for (Head head : checkpoint.chains) {
      results.add(checkChain(backend, head));
    }
    return new Result(signature, results);
  }

  /**
   * Checks the store against the latest checkpoint {@code source} holds, as {@link #check(Backend,
   * Checkpoint, Collection)} does: one check, whatever the checkpoint was kept in.
   *
   * @param backend the store to check
   * @param source where the checkpoint is kept (a file, a NATS stream, a witness table)
   * @param trustedKeys the signers to trust; an empty collection trusts none
   * @return the signature status and one result per chain of the checkpoint
   * @throws InvalidInputException when the source holds no checkpoint, naming it
   */
  public static Result check(
      Backend backend, CheckpointSource source, Collection<WriterPublicKey> trustedKeys) {
    Args.notNull(backend, "backend");
    Args.notNull(source, "source");
    Args.notNull(trustedKeys, "trustedKeys");
    Checkpoint checkpoint =
        source
            .latest()
            .orElseThrow(
                () ->
                    new InvalidInputException(
                        "no checkpoint to check "
                            + backend.describe()
                            + " against in "
                            + source.describe()));
    return check(backend, checkpoint, trustedKeys);
  }

  /**
   * {@return whether the signature verifies over this checkpoint's content with its own {@link
   * #signer()}} Says nothing of whether that signer is trusted: a witness uses it to refuse a
   * forged or altered checkpoint before keeping it.
   */
  public boolean signatureVerifies() {
    return signer.verifies(signedBytes(store, chains, signer), signature);
  }

  private static ChainResult checkChain(Backend backend, Head recorded) {
    String stream = recorded.stream();
    String writer = recorded.writer();
    long seq = recorded.seq();
    Optional<Entry> head = WriterLog.head(backend, stream, writer);
    if (head.isEmpty()) {
      return new ChainResult(stream, writer, seq, 0, ChainStatus.MISSING);
    }
    long headSeq = head.get().seq();
    if (headSeq < seq) {
      return new ChainResult(stream, writer, seq, headSeq, ChainStatus.TRUNCATED);
    }
    List<Entry> at = WriterLog.readAfter(backend, stream, writer, seq - 1, 1);
    boolean same =
        !at.isEmpty()
            && at.get(0).seq() == seq
            && Arrays.equals(at.get(0).contentHash(), recorded.contentHash());
    return new ChainResult(
        stream, writer, seq, headSeq, same ? ChainStatus.EXTENDS : ChainStatus.REWRITTEN);
  }

  /** {@return the canonical JSON text of this checkpoint, signature included} */
  public String toJson() {
    Map<String, Object> body = body(store, chains, signer);
    body.put("signature", Hex.encode(signature));
    return Json.canonical(body);
  }

  /**
   * Reads a checkpoint from its JSON text (any whitespace; the signature is checked over the
   * canonical form by {@link #check}).
   *
   * @param json the JSON text
   * @return the checkpoint, not yet checked
   * @throws InvalidInputException saying what is wrong with the text
   */
  public static Checkpoint fromJson(String json) {
    Args.notNull(json, "json");
    Object parsed;
    try {
      parsed = Json.parse(json);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a checkpoint: invalid JSON: " + e.getMessage());
    }
    if (!(parsed instanceof Map<?, ?> members)) {
      throw new InvalidInputException("not a checkpoint: the JSON is not an object");
    }
    Object version = members.get("version");
    if (!(version instanceof Long v) || v != VERSION) {
      throw new InvalidInputException(
          "not a checkpoint of version " + VERSION + ": \"version\" is " + version);
    }
    for (Object name : members.keySet()) {
      if (!Set.of("version", "store", "signer", "signature", "chains").contains(name)) {
        throw new InvalidInputException("not a checkpoint: unknown member \"" + name + "\"");
      }
    }
    String store = text(members, "store");
    WriterPublicKey signer = WriterPublicKey.fromHex(text(members, "signer"));
    byte[] signature = hex(text(members, "signature"), "signature");
    if (!(members.get("chains") instanceof List<?> list)) {
      throw new InvalidInputException("not a checkpoint: \"chains\" is not a list");
    }
    List<Head> chains = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> chain)) {
        throw new InvalidInputException("not a checkpoint: a chain is not an object");
      }
      if (!(chain.get("seq") instanceof Long seq) || seq < 1) {
        throw new InvalidInputException(
            "not a checkpoint: a chain's \"seq\" is not a positive integer: " + chain.get("seq"));
      }
      byte[] hash = hex(text(chain, "content_hash"), "content_hash");
      if (hash.length != 32) {
        throw new InvalidInputException(
            "not a checkpoint: a content_hash is " + hash.length + " bytes, not 32");
      }
      chains.add(new Head(text(chain, "stream"), text(chain, "writer"), seq, hash));
    }
    return new Checkpoint(store, chains, signer, signature);
  }

  /**
   * Writes {@link #toJson()} and a newline to {@code file}, replacing it.
   *
   * @param file the file to write; replaced when it exists
   */
  public void write(Path file) {
    Args.notNull(file, "file");
    try {
      Files.writeString(file, toJson() + "\n", StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new StoreException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  /**
   * Reads a checkpoint file.
   *
   * @param file the checkpoint file, as {@link #write} writes it
   * @return the checkpoint, not yet checked
   * @throws InvalidInputException naming the file and what is wrong with it
   */
  public static Checkpoint read(Path file) {
    Args.notNull(file, "file");
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidInputException("cannot read checkpoint " + file + ": no such file");
    } catch (IOException e) {
      throw new InvalidInputException("cannot read checkpoint " + file + ": " + e.getMessage());
    }
    try {
      return fromJson(text);
    } catch (InvalidInputException e) {
      throw new InvalidInputException("checkpoint " + file + ": " + e.getMessage());
    }
  }

  private static String text(Map<?, ?> members, String name) {
    if (!(members.get(name) instanceof String value)) {
      throw new InvalidInputException("not a checkpoint: \"" + name + "\" is not a string");
    }
    return value;
  }

  private static byte[] hex(String value, String name) {
    try {
      return Hex.decode(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidInputException("not a checkpoint: \"" + name + "\" is not hex");
    }
  }

  private static Map<String, Object> body(String store, List<Head> chains, WriterPublicKey signer) {
    List<Object> list = new ArrayList<>();
    for (Head head : chains) {
      Map<String, Object> chain = new LinkedHashMap<>();
      chain.put("stream", head.stream());
      chain.put("writer", head.writer());
      chain.put("seq", head.seq());
      chain.put("content_hash", Hex.encode(head.contentHash()));
      list.add(chain);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", (long) VERSION);
    body.put("store", store);
    body.put("signer", signer.toHex());
    body.put("chains", list);
    return body;
  }

  /** What the signature covers: the tag, the version byte, the canonical JSON of the body. */
  private static byte[] signedBytes(String store, List<Head> chains, WriterPublicKey signer) {
    byte[] json = Json.canonical(body(store, chains, signer)).getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(TAG.length + 1 + json.length)
        .put(TAG)
        .put((byte) VERSION)
        .put(json)
        .array();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Checkpoint that
        && store.equals(that.store)
        && chains.equals(that.chains)
        && signer.equals(that.signer)
        && Arrays.equals(signature, that.signature);
  }

  @Override
  public int hashCode() {
    return (store.hashCode() * 31 + chains.hashCode()) * 31 + Arrays.hashCode(signature);
  }

  /** The canonical JSON. */
  @Override
  public String toString() {
    return toJson();
  }
}
