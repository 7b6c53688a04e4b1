package dev.forker.boot.metrics;

import java.util.List;
import java.util.Set;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link MetricFamilies}.
 */
class MetricFamiliesTests {

	@Test
	void everySeriesGetsTheWorkerItCameFromAndEachFamilyIsWrittenOnce() {
		MetricFamilies families = new MetricFamilies();
		families.addLocal(1, List.of(requests(10, 20)));
		families.addSibling(2, List.of(requests(5, 6)));
		families.addSibling(3, List.of(requests(1, 0)));
		String text = text(families.build(null, List.of()));
		assertThat(text).containsOnlyOnce("# HELP http_requests_total").containsOnlyOnce("# TYPE http_requests_total");
		assertThat(text).contains("http_requests_total{uri=\"/a\",worker=\"1\"} 10.0",
				"http_requests_total{uri=\"/b\",worker=\"1\"} 20.0", "http_requests_total{uri=\"/a\",worker=\"2\"} 5.0",
				"http_requests_total{uri=\"/b\",worker=\"2\"} 6.0", "http_requests_total{uri=\"/a\",worker=\"3\"} 1.0",
				"http_requests_total{uri=\"/b\",worker=\"3\"} 0.0");
	}

	@Test
	void forkerFamiliesComeFromTheAnsweringWorkerOnlyAsTheyAre() {
		MetricFamilies families = new MetricFamilies();
		families.addLocal(2, List.of(forkerRequests(100, 200), workers(2)));
		families.addSibling(1, List.of(forkerRequests(99, 199), workers(2), requests(1, 1)));
		MetricSnapshots merged = families.build(null, List.of());
		String text = text(merged);
		assertThat(text).contains("forker_worker_requests{worker=\"1\"} 100.0",
				"forker_worker_requests{worker=\"2\"} 200.0", "forker_workers{state=\"ready\"} 2.0");
		assertThat(text).doesNotContain("199.0", "99.0");
		assertThat(snapshot(merged, "forker_worker_requests").getDataPoints()).hasSize(2);
		assertThat(snapshot(merged, "forker_workers").getDataPoints()).hasSize(1);
	}

	@Test
	void workerLabelOfTheOptInTagIsKept() {
		MetricFamilies families = new MetricFamilies();
		GaugeSnapshot tagged = new GaugeSnapshot(new MetricMetadata("queue_size", "Queue"),
				List.of(new GaugeDataPointSnapshot(3, Labels.of("worker", "2"), null)));
		families.addSibling(2, List.of(tagged));
		assertThat(text(families.build(null, List.of()))).contains("queue_size{worker=\"2\"} 3.0");
	}

	@Test
	void familyOfAnotherTypeInASiblingIsLeftOut() {
		MetricFamilies families = new MetricFamilies();
		families.addLocal(1, List.of(requests(1, 2)));
		families.addSibling(2, List.of(new GaugeSnapshot(new MetricMetadata("http_requests", "Requests"),
				List.of(new GaugeDataPointSnapshot(9, Labels.EMPTY, null)))));
		MetricSnapshots merged = families.build(null, List.of());
		assertThat(snapshot(merged, "http_requests")).isInstanceOf(CounterSnapshot.class);
		assertThat(text(merged)).doesNotContain("9.0");
	}

	@Test
	void includedNamesFilterTheMergedFamiliesAndTheExtraOnes() {
		MetricFamilies families = new MetricFamilies();
		families.addLocal(1, List.of(requests(1, 2), workers(2)));
		families.addSibling(2, List.of(requests(3, 4), new GaugeSnapshot(new MetricMetadata("only_in_two"),
				List.of(new GaugeDataPointSnapshot(1, Labels.EMPTY, null)))));
		GaugeSnapshot extra = new GaugeSnapshot(new MetricMetadata("forker_scrape_workers"),
				List.of(new GaugeDataPointSnapshot(2, Labels.EMPTY, null)));
		Set<String> included = Set.of("http_requests", "only_in_two");
		MetricSnapshots merged = families.build(included::contains, List.of(extra));
		assertThat(merged.stream().map((snapshot) -> snapshot.getMetadata().getPrometheusName()))
			.containsExactly("http_requests", "only_in_two");
		assertThat(snapshot(merged, "http_requests").getDataPoints()).hasSize(4);
	}

	@Test
	void extraFamiliesAreAddedAsTheyAre() {
		MetricFamilies families = new MetricFamilies();
		families.addLocal(1, List.of(requests(1, 2)));
		GaugeSnapshot extra = new GaugeSnapshot(new MetricMetadata("forker_scrape_workers", "Workers"),
				List.of(new GaugeDataPointSnapshot(2, Labels.EMPTY, null)));
		assertThat(text(families.build(null, List.of(extra)))).contains("forker_scrape_workers 2.0");
	}

	private static MetricSnapshot snapshot(MetricSnapshots snapshots, String name) {
		return snapshots.stream()
			.filter((snapshot) -> snapshot.getMetadata().getPrometheusName().equals(name))
			.findFirst()
			.orElseThrow();
	}

	private static CounterSnapshot requests(double a, double b) {
		return new CounterSnapshot(new MetricMetadata("http_requests", "Requests"),
				List.of(new CounterDataPointSnapshot(a, Labels.of("uri", "/a"), null, 0),
						new CounterDataPointSnapshot(b, Labels.of("uri", "/b"), null, 0)));
	}

	private static GaugeSnapshot forkerRequests(double one, double two) {
		return new GaugeSnapshot(new MetricMetadata("forker_worker_requests", "Requests of a worker"),
				List.of(new GaugeDataPointSnapshot(one, Labels.of("worker", "1"), null),
						new GaugeDataPointSnapshot(two, Labels.of("worker", "2"), null)));
	}

	private static GaugeSnapshot workers(int ready) {
		return new GaugeSnapshot(new MetricMetadata("forker_workers", "Workers"),
				List.of(new GaugeDataPointSnapshot(ready, Labels.of("state", "ready"), null)));
	}

	private static String text(MetricSnapshots snapshots) {
		return PrometheusTextFormatWriter.create().toDebugString(snapshots);
	}

}
