/**
 * The {@code agent-store} command: {@link dev.agentstore.cli.Main} and its subcommands. Not a
 * library API; scripts should rely on the command's documented output and exit codes instead.
 */
@NullMarked
package dev.agentstore.cli;

import org.jspecify.annotations.NullMarked;
