/**
 * Small runnable programs, each a {@code main} that prints what it does and exits 0, using only
 * agent-store's public API. The build runs every one of them ({@code ExamplesRunTest}), so they
 * keep compiling and keep doing what they print.
 */
package dev.agentstore.examples;
