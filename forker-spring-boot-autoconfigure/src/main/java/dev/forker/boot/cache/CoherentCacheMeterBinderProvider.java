package dev.forker.boot.cache;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.util.LambdaSafe;
import org.springframework.cache.Cache;

/**
 * Gives the caches kept coherent the metrics of the caches they decorate: Spring Boot's
 * cache metrics know a Caffeine cache, not its coherent decorator, so this provider hands
 * the decorated cache to the other providers.
 *
 * @since 0.1.0
 */
public final class CoherentCacheMeterBinderProvider implements CacheMeterBinderProvider<CoherentCache> {

	private final Supplier<Stream<CacheMeterBinderProvider<?>>> providers;

	/**
	 * Create a new instance.
	 * @param providers every cache meter binder provider of the application, this one
	 * included
	 */
	public CoherentCacheMeterBinderProvider(Supplier<Stream<CacheMeterBinderProvider<?>>> providers) {
		this.providers = providers;
	}

	@Override
	@SuppressWarnings("unchecked")
	public @Nullable MeterBinder getMeterBinder(CoherentCache cache, Iterable<Tag> tags) {
		Cache target = cache.getTargetCache();
		List<CacheMeterBinderProvider<?>> others = this.providers.get().filter((provider) -> provider != this).toList();
		return LambdaSafe.callbacks(CacheMeterBinderProvider.class, others, target)
			.invokeAnd((provider) -> provider.getMeterBinder(target, tags))
			.filter(Objects::nonNull)
			.findFirst()
			.orElse(null);
	}

}
