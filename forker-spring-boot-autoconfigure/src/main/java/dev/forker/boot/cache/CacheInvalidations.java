package dev.forker.boot.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.core.ConfigurableObjectInputStream;

/**
 * Writes the invalidations of this worker's coherent caches to the
 * {@link InvalidationLog} that every worker shares, and applies the other workers' before
 * any read of a coherent cache here. An invalidation names the cache manager's bean, the
 * cache and the key; a key is written in its Java serialized form, and the whole cache is
 * cleared when a key cannot be serialized (or deserialized) or does not fit in a slot of
 * the log. Invalidations read are applied to the local caches directly, so that they are
 * not written again.
 *
 * @since 0.1.0
 */
final class CacheInvalidations {

	private static final Log logger = LogFactory.getLog(CacheInvalidations.class);

	private final InvalidationLog log;

	private final long pid;

	private final ClassLoader classLoader;

	private final Map<String, CacheManager> managers = new ConcurrentHashMap<>();

	private final Set<String> unserializableKeys = ConcurrentHashMap.newKeySet();

	private final Map<String, Map<String, AtomicLong>> generations = new ConcurrentHashMap<>();

	private final ReentrantLock reading = new ReentrantLock();

	private final ThreadLocal<int[]> loading = ThreadLocal.withInitial(() -> new int[1]);

	private final LogReader reader = new LogReader();

	/**
	 * The sequence number of the first entry of the log not applied here yet.
	 */
	private volatile long applied;

	private final LongAdder sent = new LongAdder();

	private final LongAdder received = new LongAdder();

	private final Map<InvalidationLog.Gap, LongAdder> gaps = new EnumMap<>(InvalidationLog.Gap.class);

	/**
	 * Create a new instance, which applies the entries written to the log from now on.
	 * @param log the log that every worker shares
	 * @param pid the pid of this worker, whose entries it does not apply again
	 * @param classLoader the class loader of the application's keys
	 */
	CacheInvalidations(InvalidationLog log, long pid, ClassLoader classLoader) {
		this.log = log;
		this.pid = pid;
		this.classLoader = classLoader;
		for (InvalidationLog.Gap gap : InvalidationLog.Gap.values()) {
			this.gaps.put(gap, new LongAdder());
		}
		this.applied = log.tail();
	}

	/**
	 * Register a cache manager whose caches receive the invalidations of other workers.
	 * @param name the name of its bean, the same in every worker
	 * @param manager the cache manager, not decorated
	 */
	void register(String name, CacheManager manager) {
		this.managers.put(name, manager);
	}

	/**
	 * Return the generation of a cache: a number that grows with every invalidation of
	 * one of its entries, here or in another worker, before the entry is invalidated.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @return the generation
	 */
	AtomicLong generation(String manager, String cache) {
		return this.generations.computeIfAbsent(manager, (key) -> new ConcurrentHashMap<>())
			.computeIfAbsent(cache, (key) -> new AtomicLong());
	}

	/**
	 * An entry was evicted or written here: write its invalidation to the log, which
	 * every other worker reads before it reads its caches.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @param key the key
	 */
	void evicted(String manager, String cache, Object key) {
		byte[] serialized = serialize(cache, key);
		if (serialized != null && serialized.length > InvalidationLog.maxKeyBytes(manager, cache)) {
			unserializable(cache, "a key is larger than the " + InvalidationLog.maxKeyBytes(manager, cache)
					+ " bytes serialized that a slot of the invalidation log holds");
			serialized = null;
		}
		write(manager, cache, serialized);
	}

	/**
	 * A cache was cleared here: write its clear to the log.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 */
	void cleared(String manager, String cache) {
		write(manager, cache, null);
	}

	private void write(String manager, String cache, byte @Nullable [] key) {
		long start = System.nanoTime();
		long sequence = this.log.append(this.pid, manager, cache, key);
		this.sent.increment();
		if (logger.isDebugEnabled()) {
			logger.debug(String.format(Locale.ROOT, "Logged the invalidation of %s as entry %d in %.3f ms",
					describe(cache, key != null), sequence, (System.nanoTime() - start) / 1e6));
		}
	}

	/**
	 * Apply the invalidations the other workers wrote to the log since the last call:
	 * called before every read of a coherent cache. Up to date, it costs one volatile
	 * read.
	 * <p>
	 * Not while this thread loads a value into a coherent cache: the local cache may hold
	 * a lock of the entry being loaded, which applying an invalidation may wait for (or
	 * take again). The read must then not use the cache.
	 * @return whether this worker applied every invalidation written before the call, so
	 * that the cache may be read
	 */
	boolean catchUp() {
		if (this.log.tail() == this.applied) {
			return true;
		}
		if (this.loading.get()[0] > 0) {
			return false;
		}
		this.reading.lock();
		try {
			long from = this.applied;
			if (this.log.tail() == from) {
				return true;
			}
			long start = System.nanoTime();
			long received = this.received.sum();
			long next = this.log.readFrom(from, this.reader);
			this.applied = next;
			if (logger.isDebugEnabled()) {
				logger.debug(String.format(Locale.ROOT,
						"Read entries %d to %d of the invalidation log, %d of other workers, in %.3f ms", from,
						next - 1, this.received.sum() - received, (System.nanoTime() - start) / 1e6));
			}
			return true;
		}
		finally {
			this.reading.unlock();
		}
	}

	/**
	 * Load a value for a coherent cache.
	 * @param <T> the type of the value
	 * @param loader the loader
	 * @return the value
	 * @throws Exception what the loader throws
	 * @see #catchUp()
	 */
	<T> T load(Callable<T> loader) throws Exception {
		int[] depth = this.loading.get();
		depth[0]++;
		try {
			return loader.call();
		}
		finally {
			depth[0]--;
		}
	}

	/**
	 * Start loading a value for a coherent cache, asynchronously.
	 * @param <T> the type of the value
	 * @param loader the loader
	 * @return what the loader returns
	 * @see #catchUp()
	 */
	<T> T supply(Supplier<T> loader) {
		int[] depth = this.loading.get();
		depth[0]++;
		try {
			return loader.get();
		}
		finally {
			depth[0]--;
		}
	}

	private void apply(InvalidationLog.Entry entry) {
		if (entry.pid() == this.pid) {
			// Applied here when it was written
			return;
		}
		this.received.increment();
		String managerName = entry.manager();
		if (managerName == null) {
			clearAll();
			return;
		}
		CacheManager manager = this.managers.get(managerName);
		if (manager == null || !manager.getCacheNames().contains(entry.cache())) {
			// Never used here: nothing to invalidate
			return;
		}
		Cache cache = manager.getCache(entry.cache());
		if (cache == null) {
			return;
		}
		Cache target = (cache instanceof CoherentCache coherent) ? coherent.getTargetCache() : cache;
		// Before the entry goes: a value loaded before, put after, is then dropped
		generation(managerName, entry.cache()).incrementAndGet();
		byte[] key = entry.key();
		if (key == null) {
			target.clear();
			return;
		}
		Object deserialized = deserialize(entry.cache(), key);
		if (deserialized != null) {
			target.evict(deserialized);
		}
		else {
			target.clear();
		}
	}

	private void gap(InvalidationLog.Gap gap) {
		this.gaps.get(gap).increment();
		String message = switch (gap) {
			case LAPPED -> "this worker fell more than " + this.log.slots() + " invalidations behind";
			case UNPUBLISHED -> "another worker did not finish writing an invalidation (it was killed, or stalled)";
			case CORRUPT -> "an invalidation did not match its checksum";
		};
		message = "Cleared every coherent cache of this worker: " + message + " in " + this.log.file();
		if (gap == InvalidationLog.Gap.CORRUPT) {
			logger.warn(message);
		}
		else if (gap == InvalidationLog.Gap.UNPUBLISHED) {
			logger.info(message);
		}
		else {
			logger.debug(message);
		}
		clearAll();
	}

	/**
	 * Clear every coherent cache of this worker, which only costs cache misses.
	 */
	private void clearAll() {
		this.managers.forEach((name, manager) -> {
			for (String cacheName : manager.getCacheNames()) {
				Cache cache = manager.getCache(cacheName);
				if (cache != null) {
					Cache target = (cache instanceof CoherentCache coherent) ? coherent.getTargetCache() : cache;
					generation(name, cacheName).incrementAndGet();
					target.clear();
				}
			}
		});
	}

	/**
	 * Return the number of invalidations this worker wrote to the log.
	 * @return the number
	 */
	long sent() {
		return this.sent.sum();
	}

	/**
	 * Return the number of invalidations of other workers this worker applied.
	 * @return the number
	 */
	long received() {
		return this.received.sum();
	}

	/**
	 * Return the number of times this worker cleared its coherent caches for a gap in the
	 * log.
	 * @param gap the gap
	 * @return the number
	 */
	long gaps(InvalidationLog.Gap gap) {
		return this.gaps.get(gap).sum();
	}

	private byte @Nullable [] serialize(String cache, Object key) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
			out.writeObject(key);
		}
		catch (NotSerializableException ex) {
			unserializable(cache, "its keys are not serializable (" + ex.getMessage() + ")");
			return null;
		}
		catch (IOException | RuntimeException ex) {
			unserializable(cache, "a key could not be serialized (" + ex + ")");
			return null;
		}
		return bytes.toByteArray();
	}

	private @Nullable Object deserialize(String cache, byte[] key) {
		try (ObjectInputStream in = new ConfigurableObjectInputStream(new ByteArrayInputStream(key),
				this.classLoader)) {
			return in.readObject();
		}
		catch (IOException | ClassNotFoundException | RuntimeException ex) {
			logger.debug("Could not read a key of cache '" + cache + "' from another worker: clearing the cache", ex);
			return null;
		}
	}

	private void unserializable(String cache, String reason) {
		if (this.unserializableKeys.add(cache)) {
			logger.info("Cache '" + cache + "': " + reason + ", so an eviction or a put clears the whole cache in "
					+ "the other workers. A Serializable key class lets them evict just the entry.");
		}
	}

	private static String describe(String cache, boolean entry) {
		return entry ? "an entry of cache '" + cache + "'" : "cache '" + cache + "'";
	}

	/**
	 * Applies what it reads to the local caches.
	 */
	private final class LogReader implements InvalidationLog.Reader {

		@Override
		public void entry(InvalidationLog.Entry entry) {
			apply(entry);
		}

		@Override
		public void gap(InvalidationLog.Gap gap) {
			CacheInvalidations.this.gap(gap);
		}

	}

}
