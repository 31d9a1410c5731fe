package dev.agentstore.postgres.internal;

import dev.agentstore.Backend;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StorePolicy;
import dev.agentstore.internal.BackendProvider;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/** Opens {@code backend = "postgres"} policies. */
public final class PostgresProvider implements BackendProvider {
  @Override
  public String name() {
    return StorePolicy.POSTGRES;
  }

  @Override
  public Backend open(StorePolicy policy) {
    PostgresOptions options = PostgresOptions.defaults();
    Optional<String> schema = policy.setting("schema");
    if (schema.isPresent()) {
      options = options.withSchema(schema.get());
    }
    OptionalLong poolSize = policy.longSetting("pool_size");
    if (poolSize.isPresent()) {
      if (poolSize.getAsLong() < 1 || poolSize.getAsLong() > 1000) {
        throw new InvalidInputException(
            "pool_size in " + policy.source() + " must be 1 to 1000, got " + poolSize.getAsLong());
      }
      options = options.withPoolSize((int) poolSize.getAsLong());
    }
    options =
        options.withConnectTimeout(millis(policy, "connect_timeout_ms", options.connectTimeout()));
    options =
        options.withStatementTimeout(
            millis(policy, "statement_timeout_ms", options.statementTimeout()));
    options = options.withLockTimeout(millis(policy, "lock_timeout_ms", options.lockTimeout()));
    Optional<Boolean> notifications = policy.booleanSetting("commit_notifications");
    if (notifications.isPresent()) {
      options = options.withCommitNotifications(notifications.get());
    }
    return PostgresBackend.connect(policy.url().orElseThrow(), options);
  }

  private static Duration millis(StorePolicy policy, String key, Duration fallback) {
    OptionalLong value = policy.longSetting(key);
    if (value.isPresent() && value.getAsLong() < 0) {
      throw new InvalidInputException(key + " in " + policy.source() + " must not be negative");
    }
    return value.isPresent() ? Duration.ofMillis(value.getAsLong()) : fallback;
  }
}
