package dev.forker.boot.cache;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;

/**
 * A local cache whose writes reach the same cache in every other worker: an eviction, a
 * put or a clear here is written to the log of invalidations that every worker shares
 * before the call returns, and every read of a coherent cache, in any worker, first
 * applies what the other workers wrote to the log since its previous read, so that none
 * of them serves what was there before. A put is not copied: the other workers drop the
 * entry and load it again on their next read. Reads are otherwise the local cache's own.
 * <p>
 * The cache manager hands out a new instance for each {@code getCache} call, so that an
 * instance lives as long as one cache operation of Spring's caching annotations: a put
 * that fills the entry a read of the same instance, on the same thread, just missed (what
 * {@code @Cacheable} does) is a load, not a change, and is not sent. If the cache was
 * invalidated, here or by another worker, between that miss and the put, the value loaded
 * may predate the change that invalidated it: it is dropped again at once, so that a read
 * racing with an update never leaves an old value behind.
 *
 * @since 0.1.0
 */
public final class CoherentCache implements Cache {

	private final Cache cache;

	private final String managerName;

	private final CacheInvalidations invalidations;

	private final AtomicLong generation;

	private volatile @Nullable Miss lastMiss;

	/**
	 * Create a new instance.
	 * @param cache the local cache
	 * @param managerName the name of the bean of its cache manager
	 * @param invalidations writes invalidations to the log, and applies those of the
	 * other workers
	 * @param generation the generation of the cache
	 * @see CacheInvalidations#generation(String, String)
	 */
	CoherentCache(Cache cache, String managerName, CacheInvalidations invalidations, AtomicLong generation) {
		this.cache = cache;
		this.managerName = managerName;
		this.invalidations = invalidations;
		this.generation = generation;
	}

	/**
	 * Return the local cache.
	 * @return the cache this one decorates
	 */
	Cache getTargetCache() {
		return this.cache;
	}

	@Override
	public String getName() {
		return this.cache.getName();
	}

	/**
	 * Return the local cache's native cache, with the invalidations of the other workers
	 * applied.
	 * @return the native cache
	 */
	@Override
	public Object getNativeCache() {
		this.invalidations.catchUp();
		return this.cache.getNativeCache();
	}

	@Override
	public @Nullable ValueWrapper get(Object key) {
		boolean upToDate = this.invalidations.catchUp();
		long generation = this.generation.get();
		return missed(key, generation, upToDate ? this.cache.get(key) : null);
	}

	@Override
	public <T> @Nullable T get(Object key, @Nullable Class<T> type) {
		boolean upToDate = this.invalidations.catchUp();
		long generation = this.generation.get();
		return missed(key, generation, upToDate ? this.cache.get(key, type) : null);
	}

	private <T> @Nullable T missed(Object key, long generation, @Nullable T value) {
		this.lastMiss = (value != null) ? null : new Miss(Thread.currentThread(), key, generation);
		return value;
	}

	@Override
	public <T> @Nullable T get(Object key, Callable<T> valueLoader) {
		if (!this.invalidations.catchUp()) {
			// Inside the loader of another entry: loaded, not cached
			try {
				return valueLoader.call();
			}
			catch (Exception ex) {
				throw new ValueRetrievalException(key, valueLoader, ex);
			}
		}
		return this.cache.get(key, () -> this.invalidations.load(valueLoader));
	}

	@Override
	public @Nullable CompletableFuture<?> retrieve(Object key) {
		return this.invalidations.catchUp() ? this.cache.retrieve(key) : null;
	}

	@Override
	public <T> CompletableFuture<T> retrieve(Object key, Supplier<CompletableFuture<T>> valueLoader) {
		if (!this.invalidations.catchUp()) {
			return valueLoader.get();
		}
		return this.cache.retrieve(key, () -> this.invalidations.supply(valueLoader));
	}

	@Override
	public void put(Object key, @Nullable Object value) {
		Miss miss = this.lastMiss;
		this.lastMiss = null;
		if (miss != null && miss.thread() == Thread.currentThread() && miss.key().equals(key)) {
			this.cache.put(key, value);
			if (this.generation.get() != miss.generation()) {
				// Invalidated since the miss: the value may be older than the change
				this.cache.evict(key);
			}
			return;
		}
		this.generation.incrementAndGet();
		this.cache.put(key, value);
		this.invalidations.evicted(this.managerName, getName(), key);
	}

	@Override
	public @Nullable ValueWrapper putIfAbsent(Object key, @Nullable Object value) {
		this.lastMiss = null;
		// What it returns is a read
		this.invalidations.catchUp();
		ValueWrapper existing = this.cache.putIfAbsent(key, value);
		if (existing == null) {
			// Stored here: another worker may hold an older value
			this.invalidations.evicted(this.managerName, getName(), key);
		}
		return existing;
	}

	@Override
	public void evict(Object key) {
		this.generation.incrementAndGet();
		this.cache.evict(key);
		this.invalidations.evicted(this.managerName, getName(), key);
	}

	@Override
	public boolean evictIfPresent(Object key) {
		this.generation.incrementAndGet();
		boolean present = this.cache.evictIfPresent(key);
		// Absent here, it may be present in another worker
		this.invalidations.evicted(this.managerName, getName(), key);
		return present;
	}

	@Override
	public void clear() {
		this.generation.incrementAndGet();
		this.cache.clear();
		this.invalidations.cleared(this.managerName, getName());
	}

	@Override
	public boolean invalidate() {
		this.generation.incrementAndGet();
		boolean present = this.cache.invalidate();
		this.invalidations.cleared(this.managerName, getName());
		return present;
	}

	@Override
	public String toString() {
		return "CoherentCache[" + this.cache + "]";
	}

	/**
	 * A read that found nothing, and the cache's generation before it.
	 *
	 * @param thread the thread that read
	 * @param key the key
	 * @param generation the generation
	 */
	private record Miss(Thread thread, Object key, long generation) {

	}

}
