package dev.forker.boot.cache;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.core.ConfigurableObjectInputStream;

import dev.forker.boot.worker.MasterUnavailableException;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Sends the invalidations of this worker's coherent caches to every other worker, and
 * applies theirs here. An invalidation names the cache manager's bean, the cache and the
 * key; a key travels in its Java serialized form, and the whole cache is cleared when a
 * key cannot be serialized (or deserialized). Invalidations received are applied to the
 * local caches directly, so that they are not sent on again.
 *
 * @since 0.1.0
 */
final class CacheInvalidations {

	/**
	 * The topic of cache invalidations among broadcasts.
	 */
	static final String TOPIC = "forker.cache";

	private static final Log logger = LogFactory.getLog(CacheInvalidations.class);

	/**
	 * Largest serialized key sent; a larger one clears the cache in the other workers.
	 */
	static final int MAX_KEY_BYTES = 32 * 1024;

	private final JsonMapper mapper = JsonMapper.builder().build();

	private final Broadcaster broadcaster;

	private final ClassLoader classLoader;

	private final Map<String, CacheManager> managers = new ConcurrentHashMap<>();

	private final Set<String> unserializableKeys = ConcurrentHashMap.newKeySet();

	private final Map<String, Map<String, AtomicLong>> generations = new ConcurrentHashMap<>();

	/**
	 * Caches whose invalidation could not be sent while the master replaced itself in
	 * place, as clears (one per cache, however many entries): sent once this worker is
	 * connected to the new master.
	 */
	private final Set<Invalidation> unsent = ConcurrentHashMap.newKeySet();

	/**
	 * Create a new instance.
	 * @param broadcaster delivers a payload to every other worker and waits for them
	 * @param classLoader the class loader of the application's keys
	 */
	CacheInvalidations(Broadcaster broadcaster, ClassLoader classLoader) {
		this.broadcaster = broadcaster;
		this.classLoader = classLoader;
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
	 * An entry was evicted or written here: evict it in every other worker.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @param key the key
	 */
	void evicted(String manager, String cache, Object key) {
		String serialized = serialize(cache, key);
		if (serialized == null) {
			cleared(manager, cache);
			return;
		}
		send(new Invalidation(manager, cache, serialized));
	}

	/**
	 * A cache was cleared here: clear it in every other worker.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 */
	void cleared(String manager, String cache) {
		send(new Invalidation(manager, cache, null));
	}

	/**
	 * Apply an invalidation another worker sent.
	 * @param payload the invalidation
	 */
	void receive(String payload) {
		Invalidation invalidation;
		try {
			invalidation = this.mapper.readValue(payload, Invalidation.class);
		}
		catch (JacksonException ex) {
			logger.warn("Ignored an invalid cache invalidation from another worker: " + ex.getOriginalMessage());
			return;
		}
		CacheManager manager = this.managers.get(invalidation.manager());
		if (manager == null || !manager.getCacheNames().contains(invalidation.cache())) {
			// Never used here: nothing to invalidate
			return;
		}
		Cache cache = manager.getCache(invalidation.cache());
		if (cache == null) {
			return;
		}
		Cache target = (cache instanceof CoherentCache coherent) ? coherent.getTargetCache() : cache;
		// Before the entry goes: a value loaded before, put after, is then dropped
		generation(invalidation.manager(), invalidation.cache()).incrementAndGet();
		String key = invalidation.key();
		if (key == null) {
			target.clear();
			return;
		}
		Object deserialized = deserialize(invalidation.cache(), key);
		if (deserialized != null) {
			target.evict(deserialized);
		}
		else {
			target.clear();
		}
	}

	private void send(Invalidation invalidation) {
		String payload = this.mapper.writeValueAsString(invalidation);
		WorkerAgent.BroadcastResult result;
		long start = System.nanoTime();
		try {
			result = this.broadcaster.broadcast(payload);
		}
		catch (MasterUnavailableException ex) {
			Invalidation clear = new Invalidation(invalidation.manager(), invalidation.cache(), null);
			if (this.unsent.add(clear)) {
				logger.info("Could not invalidate " + describe(invalidation) + " in the other workers while the "
						+ "forker master replaces itself: cache '" + invalidation.cache() + "' is cleared in every "
						+ "other worker once this worker is connected to the new master");
			}
			return;
		}
		catch (RuntimeException ex) {
			logger.warn("Could not invalidate " + describe(invalidation) + " in the other workers: " + ex.getMessage());
			return;
		}
		if (logger.isDebugEnabled()) {
			logger.debug(String.format(Locale.ROOT, "Invalidated %s in %d other worker(s) in %.2f ms",
					describe(invalidation), result.delivered(), (System.nanoTime() - start) / 1e6));
		}
		if (!result.isComplete()) {
			logger.warn(result.missing() + " worker(s) did not confirm the invalidation of " + describe(invalidation)
					+ " within forker.cache.coherence-timeout: they may serve the old value until they read it");
		}
	}

	/**
	 * This worker is connected to a master that replaced the previous one in place. While
	 * it was not connected, it missed the invalidations of the other workers, so it
	 * clears its own caches; and it clears, in every other worker, the caches whose
	 * invalidations it could not send. Both only cost cache misses; the workers of the
	 * previous version are replaced soon after.
	 */
	void masterReplaced() {
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
		for (Invalidation invalidation : List.copyOf(this.unsent)) {
			this.unsent.remove(invalidation);
			send(invalidation);
		}
	}

	private @Nullable String serialize(String cache, Object key) {
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
		if (bytes.size() > MAX_KEY_BYTES) {
			unserializable(cache, "a key is larger than " + MAX_KEY_BYTES + " bytes serialized");
			return null;
		}
		return Base64.getEncoder().encodeToString(bytes.toByteArray());
	}

	private @Nullable Object deserialize(String cache, String key) {
		try (ObjectInputStream in = new ConfigurableObjectInputStream(
				new ByteArrayInputStream(Base64.getDecoder().decode(key)), this.classLoader)) {
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

	private static String describe(Invalidation invalidation) {
		return (invalidation.key() != null) ? "an entry of cache '" + invalidation.cache() + "'"
				: "cache '" + invalidation.cache() + "'";
	}

	/**
	 * Delivers a payload to every other worker and waits until they have applied it.
	 */
	@FunctionalInterface
	interface Broadcaster {

		/**
		 * Deliver a payload.
		 * @param payload the payload
		 * @return what became of it
		 */
		WorkerAgent.BroadcastResult broadcast(String payload);

	}

	/**
	 * What one worker tells the others to invalidate.
	 *
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @param key the key, Java serialized and in Base64, or {@code null} to clear the
	 * whole cache
	 */
	record Invalidation(String manager, String cache, @Nullable String key) {

	}

}
