package dev.forker.boot.metrics;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;

import io.prometheus.metrics.expositionformats.OpenMetricsTextFormatWriter;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link SnapshotCodec}.
 */
class SnapshotCodecTests {

	private static final long CREATED = 1_790_000_000_123L;

	private static final long SCRAPED = 1_790_000_100_456L;

	@Test
	void everyKindOfMetricSurvivesTheTripExactly() throws IOException {
		MetricSnapshots original = everyKind();
		MetricSnapshots decoded = new MetricSnapshots(SnapshotCodec.decode(SnapshotCodec.encode(original)));
		assertThat(decoded.size()).isEqualTo(original.size());
		assertThat(openMetrics(decoded)).isEqualTo(openMetrics(original));
		assertThat(protobuf(decoded)).isEqualTo(protobuf(original));
	}

	@Test
	void valuesTravelAsTheirBits() throws IOException {
		double[] values = { 0.1 + 0.2, Double.MIN_VALUE, Double.MAX_VALUE, -0.0, Double.NaN, Double.POSITIVE_INFINITY,
				Double.NEGATIVE_INFINITY, 1e-300, 123456789.123456789 };
		List<GaugeDataPointSnapshot> points = new java.util.ArrayList<>();
		for (int i = 0; i < values.length; i++) {
			points.add(new GaugeDataPointSnapshot(values[i], Labels.of("i", Integer.toString(i)), null));
		}
		GaugeSnapshot gauge = new GaugeSnapshot(new MetricMetadata("values"), points);
		GaugeSnapshot decoded = (GaugeSnapshot) SnapshotCodec.decode(SnapshotCodec.encode(List.of(gauge))).get(0);
		double[] decodedValues = decoded.getDataPoints()
			.stream()
			.mapToDouble(GaugeDataPointSnapshot::getValue)
			.toArray();
		for (int i = 0; i < values.length; i++) {
			assertThat(Double.doubleToRawLongBits(decodedValues[i])).as("value %d", i)
				.isEqualTo(Double.doubleToRawLongBits(values[i]));
		}
	}

	@Test
	void truncatedOrForeignBytesAreRejected() {
		byte[] encoded = SnapshotCodec.encode(everyKind());
		assertThatIOException().isThrownBy(() -> SnapshotCodec.decode(Arrays.copyOf(encoded, encoded.length - 3)));
		assertThatIOException().isThrownBy(() -> SnapshotCodec.decode(Arrays.copyOf(encoded, encoded.length + 1)));
		assertThatIOException().isThrownBy(() -> SnapshotCodec.decode(new byte[] { 0, 0, 0, 9, 0, 0, 0, 0 }));
		byte[] hugeCount = Arrays.copyOf(encoded, encoded.length);
		hugeCount[4] = 0x7f;
		assertThatIOException().isThrownBy(() -> SnapshotCodec.decode(hugeCount));
	}

	static MetricSnapshots everyKind() {
		Exemplar exemplar = Exemplar.builder()
			.value(0.25)
			.traceId("4bf92f3577b34da6a3ce929d0e0e4736")
			.spanId("00f067aa0ba902b7")
			.timestampMillis(SCRAPED - 5)
			.build();
		CounterSnapshot counter = new CounterSnapshot(new MetricMetadata("http.requests", "Requests \"served\"\n"),
				List.of(new CounterDataPointSnapshot(42, Labels.of("uri", "/a", "method", "GET"), exemplar, CREATED),
						new CounterDataPointSnapshot(7.5, Labels.of("uri", "/ü\\\"x\"", "method", "POST"), null,
								CREATED, SCRAPED)));
		GaugeSnapshot gauge = new GaugeSnapshot(new MetricMetadata("jvm_memory_used_bytes", "Memory", Unit.BYTES),
				List.of(new GaugeDataPointSnapshot(1024, Labels.of("area", "heap"), null),
						new GaugeDataPointSnapshot(Double.NaN, Labels.of("area", "nonheap"), null, SCRAPED)));
		HistogramSnapshot classic = new HistogramSnapshot(
				new MetricMetadata("latency_seconds", "Latency", Unit.SECONDS),
				List.of(new HistogramDataPointSnapshot(
						ClassicHistogramBuckets.of(new double[] { 0.1, 1, Double.POSITIVE_INFINITY },
								new long[] { 3, 4, 1 }),
						2.5, Labels.of("uri", "/a"), Exemplars.of(exemplar), CREATED)));
		HistogramSnapshot nativeHistogram = new HistogramSnapshot(new MetricMetadata("size", "Sizes"),
				List.of(new HistogramDataPointSnapshot(
						ClassicHistogramBuckets.of(new double[] { 10, Double.POSITIVE_INFINITY }, new long[] { 4, 2 }),
						3, 1, 0.001, NativeHistogramBuckets.of(new int[] { -2, 5, 6 }, new long[] { 1, 2, 1 }),
						NativeHistogramBuckets.of(new int[] { 1 }, new long[] { 1 }), 71.5, Labels.EMPTY,
						Exemplars.EMPTY, CREATED, SCRAPED)));
		HistogramSnapshot gaugeHistogram = new HistogramSnapshot(true, new MetricMetadata("queue", "Queue"),
				List.of(new HistogramDataPointSnapshot(
						ClassicHistogramBuckets.of(new double[] { 1, Double.POSITIVE_INFINITY }, new long[] { 1, 1 }),
						Double.NaN, Labels.EMPTY, Exemplars.EMPTY, 0)));
		SummarySnapshot summary = new SummarySnapshot(new MetricMetadata("rpc", "RPCs"), List.of(
				new SummaryDataPointSnapshot(12, 3.5, Quantiles.of(new Quantile(0.5, 0.2), new Quantile(0.99, 1.5)),
						Labels.of("service", "a"), Exemplars.of(exemplar), CREATED),
				new SummaryDataPointSnapshot(-1, Double.NaN, Quantiles.EMPTY, Labels.of("service", "b"),
						Exemplars.EMPTY, 0, SCRAPED)));
		InfoSnapshot info = new InfoSnapshot(new MetricMetadata("build", "Build"),
				List.of(new InfoDataPointSnapshot(Labels.of("version", "1.0", "commit", "abc"))));
		StateSetSnapshot stateSet = new StateSetSnapshot(new MetricMetadata("feature", "Features"), List
			.of(new StateSetDataPointSnapshot(new String[] { "a", "b" }, new boolean[] { true, false }, Labels.EMPTY)));
		UnknownSnapshot unknown = new UnknownSnapshot(new MetricMetadata("legacy"),
				List.of(new UnknownDataPointSnapshot(-3.25, Labels.of("k", ""), null)));
		List<MetricSnapshot> all = List.of(counter, gauge, classic, nativeHistogram, gaugeHistogram, summary, info,
				stateSet, unknown);
		return new MetricSnapshots(all);
	}

	static String openMetrics(MetricSnapshots snapshots) {
		return OpenMetricsTextFormatWriter.builder()
			.setCreatedTimestampsEnabled(true)
			.setExemplarsOnAllMetricTypesEnabled(true)
			.build()
			.toDebugString(snapshots);
	}

	static String protobuf(MetricSnapshots snapshots) {
		return new PrometheusProtobufWriter().toDebugString(snapshots);
	}

}
