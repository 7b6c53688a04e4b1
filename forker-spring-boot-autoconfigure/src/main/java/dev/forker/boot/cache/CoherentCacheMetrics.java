package dev.forker.boot.cache;

import java.util.Locale;
import java.util.function.ToLongFunction;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the coherence of local caches in this worker:
 * <ul>
 * <li>{@code forker.cache.invalidations}, the invalidations this worker wrote to the
 * shared log ({@code direction} {@code sent}) and those of other workers it applied to
 * its caches ({@code received});</li>
 * <li>{@code forker.cache.invalidation.gaps}, the times this worker cleared every
 * coherent cache because it could not read every invalidation, by {@code reason}:
 * {@code lapped} (it fell more than the log's slots behind between two reads of its
 * caches), {@code unpublished} (a worker killed while it wrote one) or
 * {@code corrupt}.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public final class CoherentCacheMetrics implements MeterBinder {

	private final CoherentCacheManagers managers;

	/**
	 * Create a new instance.
	 * @param managers the post-processor that keeps the caches coherent
	 */
	public CoherentCacheMetrics(CoherentCacheManagers managers) {
		this.managers = managers;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		counter(registry, "forker.cache.invalidations", "direction", "sent",
				"Invalidations of coherent caches written to the shared log, or applied from it",
				CacheInvalidations::sent);
		counter(registry, "forker.cache.invalidations", "direction", "received",
				"Invalidations of coherent caches written to the shared log, or applied from it",
				CacheInvalidations::received);
		for (InvalidationLog.Gap gap : InvalidationLog.Gap.values()) {
			counter(registry, "forker.cache.invalidation.gaps", "reason", gap.name().toLowerCase(Locale.ROOT),
					"Times this worker cleared its coherent caches because it missed invalidations",
					(invalidations) -> invalidations.gaps(gap));
		}
	}

	private void counter(MeterRegistry registry, String name, String tag, String value, String description,
			ToLongFunction<CacheInvalidations> count) {
		FunctionCounter.builder(name, this.managers, (managers) -> {
			CacheInvalidations invalidations = managers.getInvalidations();
			return (invalidations != null) ? count.applyAsLong(invalidations) : 0;
		}).tag(tag, value).description(description).register(registry);
	}

}
