package dev.forker.boot.metrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
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
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Writes the metric snapshots of one worker to bytes and reads them back in its sibling,
 * exactly: every value travels as the bits of its {@code double}, with its labels,
 * exemplars and timestamps, for every kind of snapshot of the Prometheus Java client
 * (counter, gauge, classic and native histogram, summary, info, state set, unknown). Both
 * ends run the same application, hence the same library versions.
 * <p>
 * Over 400 lines on purpose: it is one binary format, whose writing half and reading half
 * mirror each other field by field; kept in one class they can be read against each
 * other, while split across classes a change to the format would have to be made in two
 * places at once.
 *
 * @since 0.1.0
 */
final class SnapshotCodec {

	private static final int VERSION = 1;

	private static final byte COUNTER = 1;

	private static final byte GAUGE = 2;

	private static final byte HISTOGRAM = 3;

	private static final byte SUMMARY = 4;

	private static final byte INFO = 5;

	private static final byte STATE_SET = 6;

	private static final byte UNKNOWN = 7;

	/**
	 * Whether the metadata has exposition and original names (Prometheus Java client 1.5
	 * and later). Methods that older versions lack are called only when it does.
	 */
	private static final boolean EXPOSITION_NAMES = ClassUtils.hasMethod(MetricMetadata.class, "getExpositionBaseName");

	private SnapshotCodec() {
	}

	/**
	 * Write metric snapshots.
	 * @param snapshots the snapshots
	 * @return their bytes
	 */
	static byte[] encode(Iterable<MetricSnapshot> snapshots) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
		try (DataOutputStream out = new DataOutputStream(bytes)) {
			List<MetricSnapshot> list = new ArrayList<>();
			snapshots.forEach(list::add);
			out.writeInt(VERSION);
			out.writeInt(list.size());
			for (MetricSnapshot snapshot : list) {
				write(out, snapshot);
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		return bytes.toByteArray();
	}

	/**
	 * Read metric snapshots.
	 * @param bytes what {@link #encode(Iterable)} wrote
	 * @return the snapshots
	 * @throws IOException if the bytes are not what {@link #encode(Iterable)} writes
	 */
	static List<MetricSnapshot> decode(byte[] bytes) throws IOException {
		Input in = new Input(bytes);
		int version = in.readInt();
		if (version != VERSION) {
			throw new IOException("Unsupported metrics format version " + version);
		}
		int count = in.count();
		List<MetricSnapshot> snapshots = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			snapshots.add(read(in));
		}
		if (in.available() > 0) {
			throw new IOException(in.available() + " bytes left after the last metric");
		}
		return snapshots;
	}

	private static void write(DataOutputStream out, MetricSnapshot snapshot) throws IOException {
		byte type = type(snapshot);
		out.writeByte(type);
		writeMetadata(out, snapshot.getMetadata());
		if (snapshot instanceof HistogramSnapshot histogram) {
			out.writeBoolean(histogram.isGaugeHistogram());
		}
		List<? extends DataPointSnapshot> points = snapshot.getDataPoints();
		out.writeInt(points.size());
		for (DataPointSnapshot point : points) {
			writeLabels(out, point.getLabels());
			out.writeLong(point.getScrapeTimestampMillis());
			switch (type) {
				case COUNTER -> {
					CounterDataPointSnapshot counter = (CounterDataPointSnapshot) point;
					out.writeDouble(counter.getValue());
					writeExemplar(out, counter.getExemplar());
					out.writeLong(counter.getCreatedTimestampMillis());
				}
				case GAUGE -> {
					GaugeDataPointSnapshot gauge = (GaugeDataPointSnapshot) point;
					out.writeDouble(gauge.getValue());
					writeExemplar(out, gauge.getExemplar());
				}
				case UNKNOWN -> {
					UnknownDataPointSnapshot unknown = (UnknownDataPointSnapshot) point;
					out.writeDouble(unknown.getValue());
					writeExemplar(out, unknown.getExemplar());
				}
				case HISTOGRAM -> writeHistogram(out, (HistogramDataPointSnapshot) point);
				case SUMMARY -> {
					SummaryDataPointSnapshot summary = (SummaryDataPointSnapshot) point;
					out.writeLong(summary.hasCount() ? summary.getCount() : -1);
					out.writeDouble(summary.getSum());
					Quantiles quantiles = summary.getQuantiles();
					out.writeInt(quantiles.size());
					for (Quantile quantile : quantiles) {
						out.writeDouble(quantile.getQuantile());
						out.writeDouble(quantile.getValue());
					}
					writeExemplars(out, summary.getExemplars());
					out.writeLong(summary.getCreatedTimestampMillis());
				}
				case STATE_SET -> {
					StateSetDataPointSnapshot stateSet = (StateSetDataPointSnapshot) point;
					out.writeInt(stateSet.size());
					for (int i = 0; i < stateSet.size(); i++) {
						writeString(out, stateSet.getName(i));
						out.writeBoolean(stateSet.isTrue(i));
					}
				}
				default -> {
					// An info has labels only
				}
			}
		}
	}

	private static byte type(MetricSnapshot snapshot) {
		if (snapshot instanceof CounterSnapshot) {
			return COUNTER;
		}
		if (snapshot instanceof GaugeSnapshot) {
			return GAUGE;
		}
		if (snapshot instanceof HistogramSnapshot) {
			return HISTOGRAM;
		}
		if (snapshot instanceof SummarySnapshot) {
			return SUMMARY;
		}
		if (snapshot instanceof InfoSnapshot) {
			return INFO;
		}
		if (snapshot instanceof StateSetSnapshot) {
			return STATE_SET;
		}
		if (snapshot instanceof UnknownSnapshot) {
			return UNKNOWN;
		}
		throw new IllegalArgumentException("Unsupported kind of metric " + snapshot.getClass().getName() + " ("
				+ snapshot.getMetadata().getPrometheusName() + ")");
	}

	private static void writeHistogram(DataOutputStream out, HistogramDataPointSnapshot histogram) throws IOException {
		ClassicHistogramBuckets classic = histogram.getClassicBuckets();
		out.writeInt(classic.size());
		for (int i = 0; i < classic.size(); i++) {
			out.writeDouble(classic.getUpperBound(i));
			out.writeLong(classic.getCount(i));
		}
		out.writeInt(histogram.getNativeSchema());
		out.writeLong(histogram.getNativeZeroCount());
		out.writeDouble(histogram.getNativeZeroThreshold());
		writeNativeBuckets(out, histogram.getNativeBucketsForPositiveValues());
		writeNativeBuckets(out, histogram.getNativeBucketsForNegativeValues());
		out.writeDouble(histogram.getSum());
		writeExemplars(out, histogram.getExemplars());
		out.writeLong(histogram.getCreatedTimestampMillis());
	}

	private static void writeNativeBuckets(DataOutputStream out, NativeHistogramBuckets buckets) throws IOException {
		out.writeInt(buckets.size());
		for (int i = 0; i < buckets.size(); i++) {
			out.writeInt(buckets.getBucketIndex(i));
			out.writeLong(buckets.getCount(i));
		}
	}

	private static void writeMetadata(DataOutputStream out, MetricMetadata metadata) throws IOException {
		writeString(out, metadata.getName());
		out.writeBoolean(EXPOSITION_NAMES);
		if (EXPOSITION_NAMES) {
			writeString(out, metadata.getExpositionBaseName());
			writeString(out, metadata.getOriginalName());
		}
		writeNullableString(out, metadata.getHelp());
		Unit unit = metadata.getUnit();
		writeNullableString(out, (unit != null) ? unit.toString() : null);
	}

	private static void writeLabels(DataOutputStream out, Labels labels) throws IOException {
		out.writeInt(labels.size());
		for (int i = 0; i < labels.size(); i++) {
			writeString(out, labels.getName(i));
			writeString(out, labels.getValue(i));
		}
	}

	private static void writeExemplars(DataOutputStream out, Exemplars exemplars) throws IOException {
		out.writeInt(exemplars.size());
		for (Exemplar exemplar : exemplars) {
			writeExemplar(out, exemplar);
		}
	}

	private static void writeExemplar(DataOutputStream out, @Nullable Exemplar exemplar) throws IOException {
		out.writeBoolean(exemplar != null);
		if (exemplar != null) {
			out.writeDouble(exemplar.getValue());
			writeLabels(out, exemplar.getLabels());
			out.writeLong(exemplar.getTimestampMillis());
		}
	}

	private static void writeNullableString(DataOutputStream out, @Nullable String value) throws IOException {
		out.writeBoolean(value != null);
		if (value != null) {
			writeString(out, value);
		}
	}

	private static void writeString(DataOutputStream out, String value) throws IOException {
		byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
		out.writeInt(utf8.length);
		out.write(utf8);
	}

	private static MetricSnapshot read(Input in) throws IOException {
		byte type = in.readByte();
		MetricMetadata metadata = readMetadata(in);
		boolean gaugeHistogram = type == HISTOGRAM && in.readBoolean();
		int count = in.count();
		List<DataPointSnapshot> points = new ArrayList<>(count);
		for (int i = 0; i < count; i++) {
			Labels labels = readLabels(in);
			long scrapeTimestamp = in.readLong();
			points.add(switch (type) {
				case COUNTER -> new CounterDataPointSnapshot(in.readDouble(), labels, readExemplar(in), in.readLong(),
						scrapeTimestamp);
				case GAUGE -> new GaugeDataPointSnapshot(in.readDouble(), labels, readExemplar(in), scrapeTimestamp);
				case UNKNOWN ->
					new UnknownDataPointSnapshot(in.readDouble(), labels, readExemplar(in), scrapeTimestamp);
				case HISTOGRAM -> readHistogram(in, labels, scrapeTimestamp);
				case SUMMARY -> new SummaryDataPointSnapshot(in.readLong(), in.readDouble(), readQuantiles(in), labels,
						readExemplars(in), in.readLong(), scrapeTimestamp);
				case INFO -> new InfoDataPointSnapshot(labels, scrapeTimestamp);
				case STATE_SET -> readStateSet(in, labels, scrapeTimestamp);
				default -> throw new IOException("Unknown kind of metric " + type);
			});
		}
		return MetricFamilies.snapshot(type(type), gaugeHistogram, metadata, points);
	}

	private static Class<? extends MetricSnapshot> type(byte type) throws IOException {
		return switch (type) {
			case COUNTER -> CounterSnapshot.class;
			case GAUGE -> GaugeSnapshot.class;
			case HISTOGRAM -> HistogramSnapshot.class;
			case SUMMARY -> SummarySnapshot.class;
			case INFO -> InfoSnapshot.class;
			case STATE_SET -> StateSetSnapshot.class;
			case UNKNOWN -> UnknownSnapshot.class;
			default -> throw new IOException("Unknown kind of metric " + type);
		};
	}

	private static HistogramDataPointSnapshot readHistogram(Input in, Labels labels, long scrapeTimestamp)
			throws IOException {
		int size = in.count();
		ClassicHistogramBuckets classic = ClassicHistogramBuckets.EMPTY;
		if (size > 0) {
			double[] upperBounds = new double[size];
			long[] counts = new long[size];
			for (int i = 0; i < size; i++) {
				upperBounds[i] = in.readDouble();
				counts[i] = in.readLong();
			}
			classic = ClassicHistogramBuckets.of(upperBounds, counts);
		}
		int schema = in.readInt();
		long zeroCount = in.readLong();
		double zeroThreshold = in.readDouble();
		NativeHistogramBuckets positive = readNativeBuckets(in);
		NativeHistogramBuckets negative = readNativeBuckets(in);
		return new HistogramDataPointSnapshot(classic, schema, zeroCount, zeroThreshold, positive, negative,
				in.readDouble(), labels, readExemplars(in), in.readLong(), scrapeTimestamp);
	}

	private static NativeHistogramBuckets readNativeBuckets(Input in) throws IOException {
		int size = in.count();
		if (size == 0) {
			return NativeHistogramBuckets.EMPTY;
		}
		int[] indexes = new int[size];
		long[] counts = new long[size];
		for (int i = 0; i < size; i++) {
			indexes[i] = in.readInt();
			counts[i] = in.readLong();
		}
		return NativeHistogramBuckets.of(indexes, counts);
	}

	private static Quantiles readQuantiles(Input in) throws IOException {
		int size = in.count();
		if (size == 0) {
			return Quantiles.EMPTY;
		}
		List<Quantile> quantiles = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			quantiles.add(new Quantile(in.readDouble(), in.readDouble()));
		}
		return Quantiles.of(quantiles);
	}

	private static StateSetDataPointSnapshot readStateSet(Input in, Labels labels, long scrapeTimestamp)
			throws IOException {
		int size = in.count();
		String[] names = new String[size];
		boolean[] values = new boolean[size];
		for (int i = 0; i < size; i++) {
			names[i] = in.readString();
			values[i] = in.readBoolean();
		}
		return new StateSetDataPointSnapshot(names, values, labels, scrapeTimestamp);
	}

	private static MetricMetadata readMetadata(Input in) throws IOException {
		String name = in.readString();
		boolean expositionNames = in.readBoolean();
		String expositionBaseName = expositionNames ? in.readString() : name;
		String originalName = expositionNames ? in.readString() : name;
		String help = in.readNullableString();
		String unitName = in.readNullableString();
		Unit unit = (unitName != null) ? new Unit(unitName) : null;
		if (EXPOSITION_NAMES) {
			return new MetricMetadata(name, expositionBaseName, originalName, help, unit);
		}
		return new MetricMetadata(name, help, unit);
	}

	private static Labels readLabels(Input in) throws IOException {
		int size = in.count();
		if (size == 0) {
			return Labels.EMPTY;
		}
		String[] names = new String[size];
		String[] values = new String[size];
		for (int i = 0; i < size; i++) {
			names[i] = in.readString();
			values[i] = in.readString();
		}
		return Labels.of(names, values);
	}

	private static Exemplars readExemplars(Input in) throws IOException {
		int size = in.count();
		if (size == 0) {
			return Exemplars.EMPTY;
		}
		List<Exemplar> exemplars = new ArrayList<>(size);
		for (int i = 0; i < size; i++) {
			Exemplar exemplar = readExemplar(in);
			if (exemplar == null) {
				throw new IOException("Missing exemplar");
			}
			exemplars.add(exemplar);
		}
		return Exemplars.of(exemplars);
	}

	private static @Nullable Exemplar readExemplar(Input in) throws IOException {
		if (!in.readBoolean()) {
			return null;
		}
		return new Exemplar(in.readDouble(), readLabels(in), in.readLong());
	}

	/**
	 * What a sibling sent, read with a check of every length against what is left.
	 */
	private static final class Input extends DataInputStream {

		Input(byte[] bytes) {
			super(new ByteArrayInputStream(bytes));
		}

		int count() throws IOException {
			int count = readInt();
			if (count < 0 || count > available()) {
				throw new EOFException("Invalid count " + count + " with " + available() + " bytes left");
			}
			return count;
		}

		String readString() throws IOException {
			byte[] utf8 = new byte[count()];
			readFully(utf8);
			return new String(utf8, StandardCharsets.UTF_8);
		}

		@Nullable String readNullableString() throws IOException {
			return readBoolean() ? readString() : null;
		}

	}

}
