package dev.forker.boot.metrics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
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
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The metric families of several workers merged into one scrape: each family once, with
 * the data points of every worker, each labelled with its {@value #WORKER_LABEL} id. A
 * data point that already has a {@value #WORKER_LABEL} label (from the opt-in common tag)
 * keeps it.
 * <p>
 * Families named {@code forker_*} ({@code ForkerMetrics}: the master's view, which every
 * worker publishes, labelled by the worker they describe) are taken from the worker that
 * answers the scrape only, as they are, so that joining the workers does not multiply
 * them.
 *
 * @since 0.1.0
 */
final class MetricFamilies {

	/**
	 * Label that carries the id of the worker a series comes from.
	 */
	static final String WORKER_LABEL = "worker";

	/**
	 * Start of the names of forker's own families, which describe every worker already.
	 */
	static final String FORKER_PREFIX = "forker_";

	private static final Log logger = LogFactory.getLog(MetricFamilies.class);

	private static volatile boolean collisionReported;

	private final Map<String, Family> families = new TreeMap<>();

	/**
	 * Add the families of the worker that answers the scrape, {@code forker_*} included.
	 * @param workerId its worker id
	 * @param snapshots its snapshots
	 */
	void addLocal(int workerId, Iterable<MetricSnapshot> snapshots) {
		add(workerId, snapshots, true);
	}

	/**
	 * Add the families of another worker, {@code forker_*} left out.
	 * @param workerId its worker id
	 * @param snapshots its snapshots
	 */
	void addSibling(int workerId, Iterable<MetricSnapshot> snapshots) {
		add(workerId, snapshots, false);
	}

	private void add(int workerId, Iterable<MetricSnapshot> snapshots, boolean local) {
		String id = Integer.toString(workerId);
		for (MetricSnapshot snapshot : snapshots) {
			String name = snapshot.getMetadata().getPrometheusName();
			boolean forker = name.startsWith(FORKER_PREFIX);
			if (forker && !local) {
				continue;
			}
			Family family = this.families.computeIfAbsent(name, (key) -> new Family(snapshot));
			if (!family.accepts(snapshot)) {
				logger.debug("Left out " + name + " of worker " + id + ": its type differs from that of worker "
						+ family.firstWorker);
				continue;
			}
			family.firstWorker = (family.firstWorker != null) ? family.firstWorker : id;
			for (DataPointSnapshot point : snapshot.getDataPoints()) {
				Labels labels = point.getLabels();
				if (!forker && !labels.contains(WORKER_LABEL)) {
					labels = labels.add(WORKER_LABEL, id);
				}
				DataPointSnapshot previous = family.points.putIfAbsent(labels,
						(labels != point.getLabels()) ? withLabels(point, labels) : point);
				if (previous != null) {
					reportCollision(name, labels);
				}
			}
		}
	}

	/**
	 * Return the merged families.
	 * @param includedNames which families to return, {@code null} for all
	 * @param extra families to add as they are, such as gauges about the scrape itself
	 * @return the snapshots
	 */
	MetricSnapshots build(@Nullable Predicate<String> includedNames, List<MetricSnapshot> extra) {
		List<MetricSnapshot> snapshots = new ArrayList<>(this.families.size() + extra.size());
		for (Family family : this.families.values()) {
			MetricSnapshot first = family.first;
			snapshots
				.add(snapshot(first.getClass(), isGaugeHistogram(first), first.getMetadata(), family.points.values()));
		}
		snapshots.addAll(extra);
		if (includedNames != null) {
			snapshots.removeIf((snapshot) -> !isIncluded(snapshot.getMetadata(), includedNames));
		}
		return new MetricSnapshots(snapshots);
	}

	private static boolean isIncluded(MetricMetadata metadata, Predicate<String> includedNames) {
		return includedNames.test(metadata.getPrometheusName());
	}

	private static boolean isGaugeHistogram(MetricSnapshot snapshot) {
		return snapshot instanceof HistogramSnapshot histogram && histogram.isGaugeHistogram();
	}

	private static void reportCollision(String name, Labels labels) {
		if (!collisionReported) {
			collisionReported = true;
			logger.warn("Two workers exported " + name + labels + " with the same labels: one was left out. Does a "
					+ WORKER_LABEL + " tag of the application's own hide the worker id? (reported once)");
		}
	}

	/**
	 * Create a snapshot of the given kind.
	 * @param type the kind of snapshot
	 * @param gaugeHistogram whether a histogram is a gauge histogram
	 * @param metadata the metadata
	 * @param points the data points, of the kind's data point type
	 * @return the snapshot
	 */
	@SuppressWarnings("unchecked")
	static MetricSnapshot snapshot(Class<?> type, boolean gaugeHistogram, MetricMetadata metadata,
			Collection<? extends DataPointSnapshot> points) {
		if (type == CounterSnapshot.class) {
			return new CounterSnapshot(metadata, (Collection<CounterDataPointSnapshot>) points);
		}
		if (type == GaugeSnapshot.class) {
			return new GaugeSnapshot(metadata, (Collection<GaugeDataPointSnapshot>) points);
		}
		if (type == HistogramSnapshot.class) {
			return new HistogramSnapshot(gaugeHistogram, metadata, (Collection<HistogramDataPointSnapshot>) points);
		}
		if (type == SummarySnapshot.class) {
			return new SummarySnapshot(metadata, (Collection<SummaryDataPointSnapshot>) points);
		}
		if (type == InfoSnapshot.class) {
			return new InfoSnapshot(metadata, (Collection<InfoDataPointSnapshot>) points);
		}
		if (type == StateSetSnapshot.class) {
			return new StateSetSnapshot(metadata, (Collection<StateSetDataPointSnapshot>) points);
		}
		if (type == UnknownSnapshot.class) {
			return new UnknownSnapshot(metadata, (Collection<UnknownDataPointSnapshot>) points);
		}
		throw new IllegalArgumentException("Unsupported kind of metric " + type.getName());
	}

	/**
	 * Return a copy of a data point with other labels, and everything else the same.
	 * @param point the data point
	 * @param labels the labels of the copy
	 * @return the copy
	 */
	static DataPointSnapshot withLabels(DataPointSnapshot point, Labels labels) {
		long scrapeTimestamp = point.getScrapeTimestampMillis();
		if (point instanceof CounterDataPointSnapshot counter) {
			return new CounterDataPointSnapshot(counter.getValue(), labels, counter.getExemplar(),
					counter.getCreatedTimestampMillis(), scrapeTimestamp);
		}
		if (point instanceof GaugeDataPointSnapshot gauge) {
			return new GaugeDataPointSnapshot(gauge.getValue(), labels, gauge.getExemplar(), scrapeTimestamp);
		}
		if (point instanceof HistogramDataPointSnapshot histogram) {
			return new HistogramDataPointSnapshot(histogram.getClassicBuckets(), histogram.getNativeSchema(),
					histogram.getNativeZeroCount(), histogram.getNativeZeroThreshold(),
					histogram.getNativeBucketsForPositiveValues(), histogram.getNativeBucketsForNegativeValues(),
					histogram.getSum(), labels, histogram.getExemplars(), histogram.getCreatedTimestampMillis(),
					scrapeTimestamp);
		}
		if (point instanceof SummaryDataPointSnapshot summary) {
			return new SummaryDataPointSnapshot(summary.hasCount() ? summary.getCount() : -1, summary.getSum(),
					summary.getQuantiles(), labels, summary.getExemplars(), summary.getCreatedTimestampMillis(),
					scrapeTimestamp);
		}
		if (point instanceof InfoDataPointSnapshot) {
			return new InfoDataPointSnapshot(labels, scrapeTimestamp);
		}
		if (point instanceof StateSetDataPointSnapshot stateSet) {
			String[] names = new String[stateSet.size()];
			boolean[] values = new boolean[stateSet.size()];
			for (int i = 0; i < names.length; i++) {
				names[i] = stateSet.getName(i);
				values[i] = stateSet.isTrue(i);
			}
			return new StateSetDataPointSnapshot(names, values, labels, scrapeTimestamp);
		}
		if (point instanceof UnknownDataPointSnapshot unknown) {
			return new UnknownDataPointSnapshot(unknown.getValue(), labels, unknown.getExemplar(), scrapeTimestamp);
		}
		throw new IllegalArgumentException("Unsupported kind of data point " + point.getClass().getName());
	}

	/**
	 * One metric family: its type and metadata from the first worker that has it, and the
	 * data points of every worker by labels.
	 */
	private static final class Family {

		private final MetricSnapshot first;

		private final Map<Labels, DataPointSnapshot> points = new LinkedHashMap<>();

		private @Nullable String firstWorker;

		Family(MetricSnapshot first) {
			this.first = first;
		}

		boolean accepts(MetricSnapshot snapshot) {
			return snapshot.getClass() == this.first.getClass()
					&& isGaugeHistogram(snapshot) == isGaugeHistogram(this.first);
		}

	}

}
