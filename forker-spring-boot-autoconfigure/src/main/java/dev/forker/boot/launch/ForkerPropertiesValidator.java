package dev.forker.boot.launch;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.diagnostics.Durations;
import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

/**
 * Rejects {@code forker.*} values a master cannot work with, before it starts anything.
 *
 * @since 0.1.0
 */
final class ForkerPropertiesValidator {

	private static final int MAX_WORKERS_PER_PROCESSOR = 16;

	private static final int MIN_MAX_WORKERS = 32;

	private final int availableProcessors;

	ForkerPropertiesValidator(int availableProcessors) {
		this.availableProcessors = availableProcessors;
	}

	void validate(ForkerProperties properties) {
		validateWorkers(properties.getWorkers());
		requirePositive("forker.shutdown-timeout", properties.getShutdownTimeout());
		if (properties.getBacklog() < 1) {
			throw new InvalidForkerPropertyException("forker.backlog", properties.getBacklog(),
					"the accept queue needs room for at least one connection",
					"Set forker.backlog to a positive number such as 1024, or remove it to use the default.");
		}
		ForkerProperties.Worker worker = properties.getWorker();
		requirePositive("forker.worker.startup-timeout", worker.getStartupTimeout());
		requirePositive("forker.worker.heartbeat-interval", worker.getHeartbeatInterval());
		requirePositive("forker.worker.drain-timeout", worker.getDrainTimeout());
		requirePositive("forker.worker.heartbeat-timeout", worker.getHeartbeatTimeout());
		if (worker.getHeartbeatTimeout().compareTo(worker.getHeartbeatInterval().multipliedBy(2)) < 0) {
			throw new InvalidForkerPropertyException("forker.worker.heartbeat-timeout",
					format(worker.getHeartbeatTimeout()),
					"it must be at least twice forker.worker.heartbeat-interval="
							+ format(worker.getHeartbeatInterval()) + ", or a healthy worker is taken as hung",
					"Set forker.worker.heartbeat-timeout to at least "
							+ format(worker.getHeartbeatInterval().multipliedBy(2))
							+ ", or lower forker.worker.heartbeat-interval.");
		}
		Integer startConcurrency = worker.getStartConcurrency();
		if (startConcurrency != null && startConcurrency < 0) {
			throw new InvalidForkerPropertyException("forker.worker.start-concurrency", startConcurrency,
					"it must not be negative",
					"Set forker.worker.start-concurrency to 0 (all workers start at once) or more.");
		}
		requireNotNegative("forker.worker.max-requests", worker.getMaxRequests());
		requireNotNegative("forker.worker.max-requests-jitter", worker.getMaxRequestsJitter());
		int minReady = properties.getHealth().getMinReadyWorkers();
		if (minReady < 0 || minReady > properties.determineWorkers()) {
			throw new InvalidForkerPropertyException("forker.health.min-ready-workers", minReady,
					"it must be between 0 and the number of workers (" + properties.determineWorkers() + ")",
					"Set forker.health.min-ready-workers to at most forker.workers, or remove it to use 1.");
		}
		requirePositive("forker.metrics.scrape-timeout", properties.getMetrics().getScrapeTimeout());
		requirePositive("forker.upgrade.check-timeout", properties.getUpgrade().getCheckTimeout());
		ForkerProperties.Restart restart = properties.getRestart();
		requirePositive("forker.restart.initial-backoff", restart.getInitialBackoff());
		requirePositive("forker.restart.max-backoff", restart.getMaxBackoff());
		requirePositive("forker.restart.window", restart.getWindow());
		if (restart.getMaxBackoff().compareTo(restart.getInitialBackoff()) < 0) {
			throw new InvalidForkerPropertyException("forker.restart.max-backoff", format(restart.getMaxBackoff()),
					"it is shorter than forker.restart.initial-backoff=" + format(restart.getInitialBackoff()),
					"Set forker.restart.max-backoff to at least " + format(restart.getInitialBackoff())
							+ ", or lower forker.restart.initial-backoff.");
		}
		if (restart.getMaxRestarts() < 0) {
			throw new InvalidForkerPropertyException("forker.restart.max-restarts", restart.getMaxRestarts(),
					"it must not be negative",
					"Set forker.restart.max-restarts to 0 (any unexpected worker exit stops forker) or more.");
		}
	}

	int maxWorkers() {
		return Math.max(MIN_MAX_WORKERS, MAX_WORKERS_PER_PROCESSOR * this.availableProcessors);
	}

	private void validateWorkers(@Nullable Integer workers) {
		if (workers == null) {
			return;
		}
		String action = "Set forker.workers to a number from 1 to " + maxWorkers()
				+ ", or remove it to start one worker per available processor (" + this.availableProcessors + ").";
		if (workers < 1) {
			throw new InvalidForkerPropertyException("forker.workers", workers, "a master needs at least one worker",
					action);
		}
		if (workers > maxWorkers()) {
			throw new InvalidForkerPropertyException(
					"forker.workers", workers, "every worker is a whole JVM, and more than " + maxWorkers()
							+ " of them would overload this " + this.availableProcessors + "-processor machine",
					action);
		}
	}

	private static void requireNotNegative(String property, long value) {
		if (value < 0) {
			throw new InvalidForkerPropertyException(property, value, "it must not be negative",
					"Set " + property + " to 0 (off) or more.");
		}
	}

	private static void requirePositive(String property, Duration value) {
		if (value.isNegative() || value.isZero()) {
			throw new InvalidForkerPropertyException(property, format(value), "it must be a positive duration",
					"Set " + property + " to a positive duration such as 30s, or remove it to use the default.");
		}
	}

	private static String format(Duration duration) {
		return Durations.format(duration);
	}

}
