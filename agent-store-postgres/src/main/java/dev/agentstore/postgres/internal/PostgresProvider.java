package dev.agentstore.postgres.internal;

import dev.agentstore.Backend;
import dev.agentstore.InvalidInputException;
import dev.agentstore.StorePolicy;
import dev.agentstore.internal.BackendProvider;
import dev.agentstore.postgres.PostgresBackend;
import dev.agentstore.postgres.PostgresOptions;
import java.time.Duration;
import java.util.Optional;

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
    Optional<Long> poolSize = policy.longSetting("pool_size");
    if (poolSize.isPresent()) {
      if (poolSize.get() < 1 || poolSize.get() > 1000) {
        throw new InvalidInputException(
            "pool_size in " + policy.source() + " must be 1 to 1000, got " + poolSize.get());
      }
      options = options.withPoolSize(poolSize.get().intValue());
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
    Optional<Long> value = policy.longSetting(key);
    if (value.isPresent() && value.get() < 0) {
      throw new InvalidInputException(key + " in " + policy.source() + " must not be negative");
    }
    return value.map(Duration::ofMillis).orElse(fallback);
  }
}
