package dev.forker.boot.actuate;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;

/**
 * Adds a {@code worker} tag with this worker's id to every meter, for the registries that
 * push (OTLP and others): the series of the workers then stay apart even in a backend
 * that ignores the {@code service.instance.id} resource attribute. forker's own
 * {@code forker.*} meters describe every worker already, with a {@code worker} tag of
 * their own where one applies, and a meter that has a {@code worker} tag keeps it.
 *
 * @since 0.1.0
 */
public class WorkerTagMeterFilter implements MeterFilter {

	private static final String WORKER = "worker";

	private final Tag tag;

	/**
	 * Create a new instance.
	 * @param workerId the id of this worker
	 */
	public WorkerTagMeterFilter(int workerId) {
		this.tag = Tag.of(WORKER, Integer.toString(workerId));
	}

	@Override
	public Meter.Id map(Meter.Id id) {
		if (id.getName().startsWith("forker.") || id.getTag(WORKER) != null) {
			return id;
		}
		return id.withTag(this.tag);
	}

}
