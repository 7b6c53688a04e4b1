package dev.forker.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.context.SmartLifecycle;

import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Micrometer meters of the master's view, refreshed from the master at a fixed interval:
 * <ul>
 * <li>{@code forker.workers}, the number of worker processes by {@code state};</li>
 * <li>{@code forker.worker.restarts}, restarts after unexpected exits by {@code worker}
 * id;</li>
 * <li>{@code forker.worker.uptime}, in seconds, by {@code worker} id;</li>
 * <li>{@code forker.worker.requests}, requests handled by each current process, by
 * {@code worker} id;</li>
 * <li>{@code forker.worker.connections}, connections each current process holds open, by
 * {@code worker} id: with balanced workers they stay within one or two of each
 * other.</li>
 * </ul>
 * Every worker exports the same view; a replacement or a new worker appears as a new
 * {@code worker} series.
 *
 * @since 0.1.0
 */
public class ForkerMetrics implements MeterBinder, SmartLifecycle {

	private static final Log logger = LogFactory.getLog(ForkerMetrics.class);

	private static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);

	private final WorkerAgent agent;

	private volatile @Nullable ForkerStatus status;

	private volatile @Nullable MultiGauge restarts;

	private volatile @Nullable MultiGauge uptime;

	private volatile @Nullable MultiGauge requests;

	private volatile @Nullable MultiGauge connections;

	private volatile @Nullable ScheduledFuture<?> task;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 */
	public ForkerMetrics(WorkerAgent agent) {
		this.agent = agent;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		for (WorkerState state : WorkerState.values()) {
			Gauge.builder("forker.workers", this, (metrics) -> metrics.count(state))
				.description("Worker processes of the forker master, by state")
				.tag("state", state.displayName())
				.register(registry);
		}
		this.restarts = MultiGauge.builder("forker.worker.restarts")
			.description("Restarts of a worker id after unexpected exits")
			.register(registry);
		this.uptime = MultiGauge.builder("forker.worker.uptime")
			.description("Time since the worker process started")
			.baseUnit("seconds")
			.register(registry);
		this.requests = MultiGauge.builder("forker.worker.requests")
			.description("Requests handled by the current process of a worker id")
			.register(registry);
		this.connections = MultiGauge.builder("forker.worker.connections")
			.description("Connections the current process of a worker id holds open")
			.baseUnit("connections")
			.register(registry);
		refresh();
	}

	private double count(WorkerState state) {
		ForkerStatus status = this.status;
		if (status == null) {
			return Double.NaN;
		}
		return status.workers().stream().filter((worker) -> worker.state().equals(state.displayName())).count();
	}

	void refresh() {
		ForkerStatus status;
		try {
			status = this.agent.status(Duration.ofSeconds(2));
		}
		catch (RuntimeException ex) {
			logger.debug("Could not refresh the forker metrics", ex);
			return;
		}
		this.status = status;
		List<ForkerStatus.Worker> current = currentProcessOfEachId(status.workers());
		update(this.restarts, current, ForkerStatus.Worker::restarts);
		update(this.uptime, current, ForkerStatus.Worker::uptimeSeconds);
		update(this.requests, current, ForkerStatus.Worker::requests);
		update(this.connections, current, ForkerStatus.Worker::connections);
	}

	/**
	 * Return one process per worker id: during a rolling restart an id has two, and two
	 * rows with the same tags would be one meter registered twice.
	 */
	static List<ForkerStatus.Worker> currentProcessOfEachId(List<ForkerStatus.Worker> workers) {
		Map<Integer, ForkerStatus.Worker> byId = new TreeMap<>();
		for (ForkerStatus.Worker worker : workers) {
			if (!worker.state().equals(WorkerState.STOPPING.displayName())) {
				byId.merge(worker.id(), worker, ForkerMetrics::moreCurrent);
			}
		}
		return List.copyOf(byId.values());
	}

	private static ForkerStatus.Worker moreCurrent(ForkerStatus.Worker one, ForkerStatus.Worker other) {
		boolean oneReady = one.state().equals(WorkerState.READY.displayName());
		boolean otherReady = other.state().equals(WorkerState.READY.displayName());
		if (oneReady != otherReady) {
			return oneReady ? one : other;
		}
		return other.startedAt().isAfter(one.startedAt()) ? other : one;
	}

	private static void update(@Nullable MultiGauge gauge, List<ForkerStatus.Worker> workers,
			ToLongFunction<ForkerStatus.Worker> value) {
		if (gauge != null) {
			gauge.register(workers.stream()
				.map((worker) -> MultiGauge.Row.of(Tags.of("worker", Integer.toString(worker.id())),
						value.applyAsLong(worker)))
				.toList(), true);
		}
	}

	@Override
	public void start() {
		this.task = this.agent.getScheduler()
			.scheduleWithFixedDelay(this::refresh, Instant.now().plus(REFRESH_INTERVAL), REFRESH_INTERVAL);
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
