package dev.forker.boot.metrics;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.forker.boot.worker.FakeMaster;
import dev.forker.boot.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AggregatingPrometheusRegistry}, against a fake master whose status
 * says that workers 1 (pid 101, this one) and 2 (pid 102) are ready.
 */
class AggregatingPrometheusRegistryTests {

	private static final Duration TIMEOUT = Duration.ofMillis(500);

	private FakeMaster master;

	private WorkerAgent agent;

	private final PrometheusRegistry local = new PrometheusRegistry();

	@BeforeEach
	void connect() throws IOException {
		this.master = FakeMaster.start(2);
		this.agent = this.master.connect(() -> {
		});
		this.local.register(() -> requests(3));
	}

	@AfterEach
	void disconnect() throws IOException {
		this.agent.close();
		this.master.close();
	}

	@Test
	void scrapeHoldsTheSeriesOfEveryReadyWorker() {
		WorkerMetricsServer sibling = new WorkerMetricsServer(siblingSocket(), () -> MetricSnapshots.of(requests(4)));
		sibling.start();
		try {
			String text = text(registry().scrape());
			assertThat(text).containsOnlyOnce("# TYPE http_requests_total counter");
			assertThat(text).contains("http_requests_total{worker=\"1\"} 3.0", "http_requests_total{worker=\"2\"} 4.0",
					"forker_scrape_workers 2.0", "forker_scrape_workers_missing 0.0");
		}
		finally {
			sibling.stop();
		}
		assertThat(siblingSocket()).doesNotExist();
	}

	@Test
	void workerThatDoesNotAnswerInTimeIsLeftOutAndCounted() throws IOException {
		// Connections wait in the backlog of a socket that nobody accepts from, as they
		// do for a stopped worker
		try (ServerSocketChannel stopped = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
			stopped.bind(UnixDomainSocketAddress.of(siblingSocket()));
			long start = System.nanoTime();
			String text = text(registry().scrape());
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(text).contains("http_requests_total{worker=\"1\"} 3.0", "forker_scrape_workers 1.0",
					"forker_scrape_workers_missing 1.0");
			assertThat(text).doesNotContain("worker=\"2\"");
			assertThat(took).isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50)).isLessThan(TIMEOUT.plusSeconds(1));
		}
		finally {
			Files.deleteIfExists(siblingSocket());
		}
	}

	@Test
	void workerWithoutSocketIsCountedWithoutWaiting() {
		long start = System.nanoTime();
		String text = text(new AggregatingPrometheusRegistry(this.local, this.agent, Duration.ofSeconds(10)).scrape());
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
		assertThat(text).contains("forker_scrape_workers 1.0", "forker_scrape_workers_missing 1.0");
	}

	@Test
	void includedNamesApplyToEveryWorker() {
		WorkerMetricsServer sibling = new WorkerMetricsServer(siblingSocket(),
				() -> MetricSnapshots.of(requests(4), counter("other", 1)));
		sibling.start();
		try {
			Set<String> included = Set.of("other");
			String text = text(registry().scrape(included::contains));
			assertThat(text).contains("other_total{worker=\"2\"} 1.0");
			assertThat(text).doesNotContain("http_requests", "forker_scrape");
		}
		finally {
			sibling.stop();
		}
	}

	@Test
	void registrationsGoToTheWorkersOwnRegistry() {
		AggregatingPrometheusRegistry registry = registry();
		registry.register(() -> counter("registered", 1));
		assertThat(text(this.local.scrape())).contains("registered_total 1.0");
	}

	private AggregatingPrometheusRegistry registry() {
		return new AggregatingPrometheusRegistry(this.local, this.agent, TIMEOUT);
	}

	private Path siblingSocket() {
		return this.agent.getEnvironment().metricsSocket(102);
	}

	private static CounterSnapshot requests(double value) {
		return counter("http_requests", value);
	}

	private static CounterSnapshot counter(String name, double value) {
		return new CounterSnapshot(new MetricMetadata(name, "Help of " + name),
				List.of(new CounterDataPointSnapshot(value, Labels.EMPTY, null, 0)));
	}

	private static String text(MetricSnapshots snapshots) {
		return PrometheusTextFormatWriter.create().toDebugString(snapshots);
	}

}
