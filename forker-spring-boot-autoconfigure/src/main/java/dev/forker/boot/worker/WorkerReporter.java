package dev.forker.boot.worker;

import java.util.concurrent.ScheduledFuture;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

/**
 * Feeds a worker's heartbeats: the request count, and the health, evaluated on a thread
 * of its own at the heartbeat interval so that a slow health check never delays a
 * heartbeat (a late heartbeat makes the master take the worker as hung).
 *
 * @since 0.1.0
 */
public class WorkerReporter implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(WorkerReporter.class);

	private final WorkerAgent agent;

	private final WorkerRequestCounter counter;

	private final WorkerHealthCheck healthCheck;

	private volatile String health = "STARTING";

	private volatile @Nullable ScheduledFuture<?> task;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param counter the request counter
	 * @param healthCheck the health check
	 */
	public WorkerReporter(WorkerAgent agent, WorkerRequestCounter counter, WorkerHealthCheck healthCheck) {
		this.agent = agent;
		this.counter = counter;
		this.healthCheck = healthCheck;
	}

	@Override
	public void start() {
		this.task = this.agent.getScheduler()
			.scheduleWithFixedDelay(this::evaluate, this.agent.getEnvironment().heartbeatInterval());
		this.agent.report(() -> this.health, this.counter::count);
	}

	private void evaluate() {
		try {
			this.health = this.healthCheck.check();
		}
		catch (RuntimeException ex) {
			logger.debug("Health check of this worker failed", ex);
			this.health = "DOWN";
		}
	}

	@Override
	public void stop() {
		ScheduledFuture<?> task = this.task;
		if (task != null) {
			task.cancel(false);
			this.task = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.task != null;
	}

}
