package dev.forker.boot.cache;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.cache.metrics.CacheMeterBinderProvider;
import org.springframework.boot.cache.metrics.CacheMetricsRegistrar;
import org.springframework.boot.cache.metrics.CaffeineCacheMeterBinderProvider;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cache.Cache;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.caffeine.CaffeineCache;
import org.springframework.cache.caffeine.CaffeineCacheManager;
import org.springframework.cache.concurrent.ConcurrentMapCache;
import org.springframework.cache.concurrent.ConcurrentMapCacheManager;
import org.springframework.cache.support.NoOpCacheManager;
import org.springframework.cache.support.SimpleCacheManager;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link CoherentCacheManagers}: two workers in one JVM, each with its own
 * cache manager and pid, on one invalidation log.
 */
@ExtendWith(OutputCaptureExtension.class)
class CoherentCacheManagersTests {

	@TempDir
	Path directory;

	private Worker one;

	private Worker two;

	@BeforeEach
	void workers() {
		this.one = new Worker(1);
		this.two = new Worker(2);
	}

	@Test
	void evictionInOneWorkerEvictsTheEntryInTheOthers() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L, 2L);
		first.getCache("owners").evict(1L);
		assertThat(local(first, "owners")).doesNotContainKey(1L).containsKey(2L);
		assertThat(local(second, "owners")).doesNotContainKey(1L).containsKey(2L);
		assertThat(second.getCache("owners").evictIfPresent(2L)).isTrue();
		assertThat(local(first, "owners")).isEmpty();
		assertThat(first.getCache("owners").evictIfPresent(3L)).as("absent here, maybe present elsewhere").isFalse();
		assertThat(this.one.sent()).isEqualTo(2);
	}

	@Test
	void putInOneWorkerInvalidatesTheEntryInTheOthers() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L, 2L);
		first.getCache("owners").put(1L, "new");
		assertThat(first.getCache("owners").get(1L).get()).isEqualTo("new");
		assertThat(local(second, "owners")).doesNotContainKey(1L).containsKey(2L);
		assertThat(second.getCache("owners").putIfAbsent(3L, "three")).isNull();
		assertThat(second.getCache("owners").putIfAbsent(2L, "other")).isNotNull();
		assertThat(this.two.sent()).as("a put that stored nothing tells nobody").isOne();
	}

	@Test
	void putThatFillsWhatAReadJustMissedIsNotSent() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L);
		Cache cache = second.getCache("owners");
		assertThat(cache.get(2L)).isNull();
		cache.put(2L, "loaded");
		assertThat(cache.get(3L, String.class)).isNull();
		cache.put(3L, "loaded");
		assertThat(this.two.sent()).isZero();
		assertThat(local(second, "owners")).containsKeys(1L, 2L, 3L);
		assertThat(local(first, "owners")).containsKey(1L);
		assertThat(cache.get(4L)).isNull();
		cache.put(5L, "changed");
		assertThat(this.two.sent()).as("a put of another key than the one missed").isOne();
	}

	@Test
	void valueLoadedBeforeAnInvalidationElsewhereIsDroppedWhenPut() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 2L);
		Cache cache = second.getCache("owners");
		assertThat(cache.get(1L)).isNull();
		// Meanwhile the first worker changes the entry: its eviction reaches the second
		first.getCache("owners").evict(1L);
		cache.put(1L, "loaded before the change");
		assertThat(local(second, "owners")).doesNotContainKey(1L).containsKey(2L);
		assertThat(cache.get(1L)).isNull();
		cache.put(1L, "loaded after the change");
		assertThat(local(second, "owners")).containsEntry(1L, "loaded after the change");
	}

	@Test
	void valueLoadedBeforeAnEvictionByAnotherThreadIsDroppedWhenPut() throws Exception {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		Cache cache = first.getCache("owners");
		assertThat(cache.get(1L)).isNull();
		Thread updater = new Thread(() -> cache.evict(1L));
		updater.start();
		updater.join();
		cache.put(1L, "loaded before the change");
		assertThat(local(first, "owners")).doesNotContainKey(1L);
	}

	@Test
	void clearInOneWorkerClearsTheCacheInTheOthers() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L, 2L);
		fill(first, second, "vets", 1L);
		first.getCache("owners").clear();
		assertThat(local(second, "owners")).isEmpty();
		assertThat(local(second, "vets")).containsKey(1L);
		assertThat(second.getCache("vets").invalidate()).isTrue();
		assertThat(local(first, "vets")).isEmpty();
	}

	@Test
	void receivedInvalidationsAreNotSentOn() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L);
		first.getCache("owners").evict(1L);
		first.getCache("owners").clear();
		assertThat(this.one.sent()).isEqualTo(2);
		assertThat(this.two.sent()).isZero();
	}

	@Test
	void keyThatCannotBeSerializedClearsTheCacheInTheOthers(CapturedOutput output) {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		Object key = new Object();
		first.getCache("owners").put(key, "value");
		fill(first, second, "owners", 1L);
		first.getCache("owners").evict(key);
		assertThat(local(second, "owners")).isEmpty();
		assertThat(local(first, "owners")).containsKey(1L);
		first.getCache("owners").evict(new Object());
		assertThat(output).containsOnlyOnce("Cache 'owners': its keys are not serializable (java.lang.Object)");
	}

	@Test
	void cacheManagerKeepsItsClassAndCaches() {
		ConcurrentMapCacheManager manager = new ConcurrentMapCacheManager("owners");
		CacheManager coherent = this.one.coherent(manager);
		assertThat(coherent).isInstanceOf(ConcurrentMapCacheManager.class);
		assertThat(AopUtils.isAopProxy(coherent)).isTrue();
		assertThat(coherent.getCacheNames()).containsExactly("owners");
		Cache cache = coherent.getCache("owners");
		assertThat(cache).isInstanceOf(CoherentCache.class).isNotSameAs(coherent.getCache("owners"));
		assertThat(cache.getNativeCache()).isSameAs(manager.getCache("owners").getNativeCache());
		assertThat(coherent.getCache("unknown")).as("a cache manager with fixed caches").isNull();
		assertThat(((ConcurrentMapCacheManager) coherent).isAllowNullValues()).isTrue();
	}

	@Test
	void caffeineCachesAreKeptCoherent() {
		CaffeineCacheManager manager = new CaffeineCacheManager();
		manager.setCaffeine(Caffeine.newBuilder().maximumSize(100));
		CacheManager first = this.one.coherent(manager);
		CacheManager second = this.two.coherent(new CaffeineCacheManager());
		assertThat(first).isInstanceOf(CaffeineCacheManager.class);
		fill(first, second, "owners", 1L);
		first.getCache("owners").evict(1L);
		assertThat(target(second.getCache("owners"))).isInstanceOf(CaffeineCache.class);
		assertThat(local(second, "owners")).isEmpty();
	}

	@Test
	void coherentCachesHaveTheMetricsOfTheCachesTheyDecorate() {
		CaffeineCacheManager manager = new CaffeineCacheManager("owners");
		manager.setCaffeine(Caffeine.newBuilder().recordStats());
		Cache cache = this.one.coherent(manager).getCache("owners");
		List<CacheMeterBinderProvider<?>> providers = new ArrayList<>();
		providers.add(new CaffeineCacheMeterBinderProvider());
		providers.add(new CoherentCacheMeterBinderProvider(providers::stream));
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		assertThat(new CacheMetricsRegistrar(registry, providers).bindCacheToRegistry(cache)).isTrue();
		cache.get(1L);
		assertThat(registry.get("cache.gets").tag("cache", "owners").tag("result", "miss").functionCounter().count())
			.isOne();
	}

	@Test
	void simpleCacheManagerOfLocalCachesIsKeptCoherent() {
		SimpleCacheManager manager = new SimpleCacheManager();
		manager.setCaches(List.of(new ConcurrentMapCache("owners")));
		manager.afterPropertiesSet();
		assertThat(CoherentCacheManagers.isLocal(manager)).isTrue();
		assertThat(this.one.coherent(manager).getCache("owners")).isInstanceOf(CoherentCache.class);
	}

	@Test
	void otherCacheManagersAreLeftAlone(CapturedOutput output) {
		NoOpCacheManager manager = new NoOpCacheManager();
		assertThat(this.one.coherent(manager)).isSameAs(manager);
		this.one.coherent(new ConcurrentMapCacheManager("owners"));
		this.one.managers.afterSingletonsInstantiated();
		assertThat(output).contains("Local caches kept coherent across the workers", "cacheManager1",
				"(ConcurrentMapCacheManager, caches [owners])",
				"cache managers left alone, not local: [cacheManager0]");
	}

	@Test
	void readOfAnotherWorkerAppliesTheInvalidationsBeforeItAnswers() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L, 2L);
		Cache cache = second.getCache("owners");
		first.getCache("owners").evict(1L);
		first.getCache("owners").put(2L, "new");
		assertThat(target(cache).get(1L)).as("not read yet").isNotNull();
		assertThat(cache.get(1L)).isNull();
		assertThat(cache.get(2L, String.class)).isNull();
		target(cache).put(1L, "old");
		first.getCache("owners").evict(1L);
		assertThat(cache.get(1L, () -> "loaded")).isEqualTo("loaded");
		target(cache).put(1L, "old");
		first.getCache("owners").clear();
		assertThat(cache.retrieve(1L)).isNull();
		assertThat(this.two.managers.getInvalidations().received()).isEqualTo(4);
	}

	@Test
	void ownInvalidationsAreNotAppliedAgain() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		Cache cache = first.getCache("owners");
		cache.evict(1L);
		target(cache).put(1L, "stored since");
		assertThat(cache.get(1L).get()).isEqualTo("stored since");
		assertThat(this.one.managers.getInvalidations().received()).isZero();
	}

	@Test
	void readInsideTheLoaderOfAnotherEntryDoesNotApplyTheInvalidationsAndSkipsTheCache() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L);
		fill(first, second, "vets", 1L);
		Cache owners = second.getCache("owners");
		Cache vets = second.getCache("vets");
		String loaded = owners.get(2L, () -> {
			first.getCache("vets").evict(1L);
			assertThat(vets.get(1L)).as("not read from the cache").isNull();
			return vets.get(1L, () -> "new");
		});
		assertThat(loaded).isEqualTo("new");
		assertThat(local(second, "vets")).doesNotContainKey(1L);
		assertThat(local(second, "owners")).containsKeys(1L, 2L);
	}

	@Test
	void workerThatCannotCreateTheLogFailsToStart(@TempDir Path directory) {
		Path missing = directory.resolve("missing");
		CoherentCacheManagers managers = new CoherentCacheManagers(1, 1, missing);
		assertThatIllegalStateException()
			.isThrownBy(() -> managers.postProcessAfterInitialization(new ConcurrentMapCacheManager(), "cacheManager"))
			.withMessageContaining(missing.toString())
			.withMessageContaining("forker.cache.coherence=false");
	}

	@Test
	void metricsCountInvalidationsSentReceivedAndGaps() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new CoherentCacheMetrics(this.two.managers).bindTo(registry);
		fill(first, second, "owners", 1L);
		first.getCache("owners").evict(1L);
		second.getCache("owners").evict(2L);
		second.getCache("owners").get(1L);
		assertThat(registry.get("forker.cache.invalidations").tag("direction", "sent").functionCounter().count())
			.isOne();
		assertThat(registry.get("forker.cache.invalidations").tag("direction", "received").functionCounter().count())
			.isOne();
		assertThat(registry.get("forker.cache.invalidation.gaps").tag("reason", "lapped").functionCounter().count())
			.isZero();
	}

	@Test
	void workerThatFallsALapBehindClearsItsCaches() {
		CacheManager first = this.one.coherent(new ConcurrentMapCacheManager());
		CacheManager second = this.two.coherent(new ConcurrentMapCacheManager());
		fill(first, second, "owners", 1L, 2L);
		fill(first, second, "vets", 1L);
		for (int i = 0; i <= InvalidationLog.DEFAULT_SLOTS; i++) {
			first.getCache("owners").evict(1000L + i);
		}
		assertThat(local(second, "owners")).isEmpty();
		assertThat(local(second, "vets")).isEmpty();
		assertThat(this.two.managers.getInvalidations().gaps(InvalidationLog.Gap.LAPPED)).isOne();
		assertThat(local(first, "vets")).as("it cannot tell its own entries from those it missed").isEmpty();
	}

	@Test
	void annotatedCachingIsKeptCoherent() {
		Map<Long, String> database = new ConcurrentHashMap<>(Map.of(1L, "George", 2L, "Betty"));
		try (AnnotationConfigApplicationContext first = this.one.context(database);
				AnnotationConfigApplicationContext second = this.two.context(database)) {
			Owners ownersOne = first.getBean(Owners.class);
			Owners ownersTwo = second.getBean(Owners.class);
			assertThat(ownersOne.find(1L)).isEqualTo("George");
			assertThat(ownersTwo.find(1L)).isEqualTo("George");
			assertThat(ownersTwo.find(2L)).isEqualTo("Betty");
			int loads = ownersTwo.loads();
			ownersOne.rename(1L, "Jorge");
			assertThat(ownersTwo.find(1L)).isEqualTo("Jorge");
			assertThat(ownersTwo.find(2L)).isEqualTo("Betty");
			assertThat(ownersTwo.loads()).isEqualTo(loads + 1);
			ownersTwo.renameAndCache(2L, "Bettina");
			assertThat(ownersOne.find(2L)).isEqualTo("Bettina");
			database.put(1L, "Georgina");
			ownersOne.evictAll();
			assertThat(ownersTwo.find(1L)).isEqualTo("Georgina");
			assertThat(ownersTwo.find(2L)).isEqualTo("Bettina");
			long sent = this.one.sent();
			assertThat(ownersOne.findUnlessAbsent(3L)).isNull();
			ownersOne.renameAndCache(3L, "Carl");
			assertThat(this.one.sent()).as("a put in another operation than the miss").isEqualTo(sent + 1);
		}
	}

	private static void fill(CacheManager first, CacheManager second, String cache, Object... keys) {
		for (Object key : keys) {
			target(first.getCache(cache)).put(key, "old");
			target(second.getCache(cache)).put(key, "old");
		}
	}

	private static Cache target(Cache cache) {
		return ((CoherentCache) cache).getTargetCache();
	}

	@SuppressWarnings("unchecked")
	private static Map<Object, Object> local(CacheManager manager, String cache) {
		Object nativeCache = manager.getCache(cache).getNativeCache();
		return (nativeCache instanceof Map<?, ?> map) ? (Map<Object, Object>) map
				: ((com.github.benmanes.caffeine.cache.Cache<Object, Object>) nativeCache).asMap();
	}

	/**
	 * One worker: its post-processor, with its own pid, on the log of the test.
	 */
	final class Worker {

		private final CoherentCacheManagers managers;

		private int beans;

		Worker(int id) {
			this.managers = new CoherentCacheManagers(id, 4000 + id, CoherentCacheManagersTests.this.directory);
		}

		long sent() {
			CacheInvalidations invalidations = this.managers.getInvalidations();
			return (invalidations != null) ? invalidations.sent() : 0;
		}

		CacheManager coherent(CacheManager manager) {
			return (CacheManager) this.managers.postProcessAfterInitialization(manager, "cacheManager" + this.beans++);
		}

		AnnotationConfigApplicationContext context(Map<Long, String> database) {
			AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext();
			context.registerBean("forkerCoherentCacheManagers", CoherentCacheManagers.class, () -> this.managers);
			context.registerBean(Owners.class, () -> new Owners(database));
			context.register(CachingConfiguration.class);
			context.refresh();
			return context;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableCaching
	static class CachingConfiguration {

		@Bean
		ConcurrentMapCacheManager cacheManager() {
			return new ConcurrentMapCacheManager();
		}

	}

	public static class Owners {

		private final Map<Long, String> database;

		private final AtomicInteger loads = new AtomicInteger();

		Owners(Map<Long, String> database) {
			this.database = database;
		}

		@Cacheable("owners")
		public String find(Long id) {
			this.loads.incrementAndGet();
			return this.database.get(id);
		}

		@Cacheable(cacheNames = "owners", unless = "#result == null")
		public String findUnlessAbsent(Long id) {
			return this.database.get(id);
		}

		public int loads() {
			return this.loads.get();
		}

		@CacheEvict(cacheNames = "owners", key = "#id")
		public void rename(Long id, String name) {
			this.database.put(id, name);
		}

		@CachePut(cacheNames = "owners", key = "#id")
		public String renameAndCache(Long id, String name) {
			this.database.put(id, name);
			return name;
		}

		@CacheEvict(cacheNames = "owners", allEntries = true)
		public void evictAll() {
		}

	}

}
