package dev.forker.boot.actuate;

import java.time.Duration;
import java.time.Instant;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.forker.boot.worker.WorkerAgent;

/**
 * The {@code forker} health component: {@code UP} while at least
 * {@code forker.health.min-ready-workers} workers are ready, {@code DOWN} otherwise, with
 * the counts as details. It reads what the master said in its last answer to this
 * worker's heartbeat, so it costs no round trip.
 *
 * @since 0.1.0
 */
public class ForkerHealthIndicator extends AbstractHealthIndicator {

	private final WorkerAgent agent;

	private final int minReadyWorkers;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param minReadyWorkers the number of ready workers needed for {@code UP}
	 */
	public ForkerHealthIndicator(WorkerAgent agent, int minReadyWorkers) {
		super("forker health check failed");
		this.agent = agent;
		this.minReadyWorkers = minReadyWorkers;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		WorkerAgent.MasterSummary summary = this.agent.getMasterSummary();
		Duration maxAge = this.agent.getEnvironment().heartbeatInterval().multipliedBy(3).plusSeconds(1);
		if (summary == null || summary.receivedAt().isBefore(Instant.now().minus(maxAge))) {
			builder.down().withDetail("error", "no recent answer from the forker master");
			return;
		}
		builder.status((summary.readyWorkers() >= this.minReadyWorkers) ? "UP" : "DOWN")
			.withDetail("readyWorkers", summary.readyWorkers())
			.withDetail("configuredWorkers", summary.configuredWorkers())
			.withDetail("minReadyWorkers", this.minReadyWorkers)
			.withDetail("worker", this.agent.getEnvironment().workerId());
	}

}
