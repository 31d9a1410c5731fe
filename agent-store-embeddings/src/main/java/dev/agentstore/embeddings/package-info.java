/**
 * A real embedding model for agent-store's semantic recall, run in-process: {@link
 * dev.agentstore.embeddings.MiniLm} (all-MiniLM-L6-v2 on ONNX Runtime). The core never depends on
 * this module; nothing else lives here.
 */
@NullMarked
package dev.agentstore.embeddings;

import org.jspecify.annotations.NullMarked;
