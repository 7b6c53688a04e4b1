package dev.forker.boot.worker;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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

	private volatile @Nullable ScheduledExecutorService executor;

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
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "forker-health");
			thread.setDaemon(true);
			return thread;
		});
		long interval = this.agent.getEnvironment().heartbeatInterval().toMillis();
		executor.scheduleWithFixedDelay(this::evaluate, 0, interval, TimeUnit.MILLISECONDS);
		this.executor = executor;
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
		ScheduledExecutorService executor = this.executor;
		if (executor != null) {
			executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}
