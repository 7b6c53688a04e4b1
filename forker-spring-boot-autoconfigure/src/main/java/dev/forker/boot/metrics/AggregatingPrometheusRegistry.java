package dev.forker.boot.metrics;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.Supplier;

import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.registry.PrometheusScrapeRequest;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.worker.WorkerAgent;

/**
 * A view of a worker's {@link PrometheusRegistry} whose scrape returns the series of
 * every ready worker: Spring Boot's Prometheus endpoint writes what it returns, in the
 * format the scraper asked for. A scrape
 * <ol>
 * <li>asks the master which workers are ready (one round trip on the control channel,
 * which the master answers from its event loop without blocking);</li>
 * <li>asks each of them, through its {@link WorkerMetricsServer}, for its snapshots, all
 * at once;</li>
 * <li>takes this worker's own snapshots meanwhile;</li>
 * <li>merges what arrived before the deadline ({@code forker.metrics.scrape-timeout}
 * after the scrape began): each family once, each series with a {@code worker} label (see
 * {@link MetricFamilies}), plus two gauges about the scrape itself: {@value #WORKERS}
 * (workers whose series it holds) and {@value #MISSING} (ready workers left out because
 * they did not answer in time).</li>
 * </ol>
 * Registrations go to the worker's own registry.
 *
 * @since 0.1.0
 */
public class AggregatingPrometheusRegistry extends PrometheusRegistry {

	static final String WORKERS = "forker_scrape_workers";

	static final String MISSING = "forker_scrape_workers_missing";

	private static final Log logger = LogFactory.getLog(AggregatingPrometheusRegistry.class);

	private static final Duration MIN_WAIT = Duration.ofMillis(1);

	private final PrometheusRegistry local;

	private final WorkerAgent agent;

	private final Duration timeout;

	/**
	 * Create a new instance.
	 * @param local the worker's own registry
	 * @param agent the worker's link to its master
	 * @param timeout how long a scrape waits for the other workers
	 */
	public AggregatingPrometheusRegistry(PrometheusRegistry local, WorkerAgent agent, Duration timeout) {
		this.local = local;
		this.agent = agent;
		this.timeout = timeout;
	}

	@Override
	public MetricSnapshots scrape() {
		return gather(this.local::scrape, null);
	}

	@Override
	public MetricSnapshots scrape(@Nullable PrometheusScrapeRequest scrapeRequest) {
		return gather(() -> this.local.scrape(scrapeRequest), null);
	}

	@Override
	public MetricSnapshots scrape(Predicate<String> includedNames) {
		return gather(() -> this.local.scrape(includedNames), includedNames);
	}

	@Override
	public MetricSnapshots scrape(Predicate<String> includedNames, @Nullable PrometheusScrapeRequest scrapeRequest) {
		return gather(() -> this.local.scrape(includedNames, scrapeRequest), includedNames);
	}

	@Override
	public void register(Collector collector) {
		this.local.register(collector);
	}

	@Override
	public void register(MultiCollector collector) {
		this.local.register(collector);
	}

	@Override
	public void unregister(Collector collector) {
		this.local.unregister(collector);
	}

	@Override
	public void unregister(MultiCollector collector) {
		this.local.unregister(collector);
	}

	@Override
	public void clear() {
		this.local.clear();
	}

	private MetricSnapshots gather(Supplier<MetricSnapshots> localScrape, @Nullable Predicate<String> includedNames) {
		long start = System.nanoTime();
		long deadline = start + this.timeout.toNanos();
		int workerId = this.agent.getEnvironment().workerId();
		Siblings siblings = siblings(workerId, start + this.timeout.toNanos() / 2);
		MetricFamilies families = new MetricFamilies();
		int answered = 0;
		try (SiblingRequests requests = SiblingRequests.send(siblings.sockets())) {
			families.addLocal(workerId, localScrape.get());
			for (Map.Entry<Integer, byte[]> answer : requests.await(deadline).entrySet()) {
				if (add(families, answer.getKey(), answer.getValue())) {
					answered++;
				}
			}
		}
		catch (IOException ex) {
			logger.debug("Could not ask the other workers for their metrics", ex);
			families.addLocal(workerId, localScrape.get());
		}
		List<MetricSnapshot> scrape = List.of(gauge(WORKERS, "Workers whose series this scrape holds", 1 + answered),
				gauge(MISSING, "Ready workers left out of this scrape: they did not answer within "
						+ "forker.metrics.scrape-timeout", Math.max(0, siblings.expected() - answered)));
		return families.build(includedNames, scrape);
	}

	private static boolean add(MetricFamilies families, int workerId, byte[] answer) {
		try {
			families.addSibling(workerId, SnapshotCodec.decode(answer));
			return true;
		}
		catch (IOException | RuntimeException ex) {
			logger.warn("Left the metrics of worker " + workerId + " out of this scrape: " + ex);
			return false;
		}
	}

	/**
	 * Return the ready workers other than this one, the current process of each id.
	 */
	private Siblings siblings(int workerId, long deadline) {
		ForkerStatus status;
		try {
			status = this.agent.status(max(Duration.ofNanos(deadline - System.nanoTime()), MIN_WAIT));
		}
		catch (IllegalStateException ex) {
			WorkerAgent.MasterSummary summary = this.agent.getMasterSummary();
			int expected = (summary != null) ? Math.max(0, summary.readyWorkers() - 1) : 0;
			logger.debug("The master did not say which workers are ready: this scrape holds this worker's series only",
					ex);
			return new Siblings(Map.of(), expected);
		}
		Map<Integer, ForkerStatus.Worker> ready = new TreeMap<>();
		for (ForkerStatus.Worker worker : status.workers()) {
			if (worker.id() != workerId && worker.state().equals(WorkerState.READY.displayName())) {
				ready.merge(worker.id(), worker,
						(one, other) -> other.startedAt().isAfter(one.startedAt()) ? other : one);
			}
		}
		Map<Integer, Path> sockets = new LinkedHashMap<>();
		ready.forEach((id, worker) -> sockets.put(id, this.agent.getEnvironment().metricsSocket(worker.pid())));
		return new Siblings(sockets, sockets.size());
	}

	private static GaugeSnapshot gauge(String name, String help, int value) {
		List<GaugeDataPointSnapshot> points = new ArrayList<>(1);
		points.add(new GaugeDataPointSnapshot(value, Labels.EMPTY, null));
		return new GaugeSnapshot(new MetricMetadata(name, help), points);
	}

	private static Duration max(Duration one, Duration other) {
		return (one.compareTo(other) >= 0) ? one : other;
	}

	/**
	 * The workers to ask.
	 *
	 * @param sockets the metrics socket of each, by worker id
	 * @param expected how many are ready
	 */
	private record Siblings(Map<Integer, Path> sockets, int expected) {

	}

}
