package dev.forker.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Local caches stay coherent across the workers: an application on a real PostgreSQL (its
 * own parent, only the starter added) that reads owners through {@code @Cacheable}, with
 * Caffeine or Spring's concurrent map, on 2 workers. Once both workers cached an owner, a
 * rename through {@code @CacheEvict}, {@code @CachePut} or
 * {@code @CacheEvict(allEntries = true)} is seen by every later read, each on a new
 * connection, whichever worker answers: each worker reads the invalidations the other
 * wrote to the shared log before it reads its cache. It also measures what an eviction
 * costs: a rename that evicts against one that leaves the cache alone, the write to the
 * log in the evicting worker and the reads of the log in the other.
 */
class CacheCoherenceIT {

	private static final int READS = 20;

	private static final int LATENCY_SAMPLES = 100;

	private static final Pattern LOGGED = Pattern
		.compile("Logged the invalidation of an entry of cache 'owners' as entry [0-9]+ in ([0-9.]+) ms");

	private static final Pattern READ = Pattern
		.compile("Read entries [0-9]+ to [0-9]+ of the invalidation log, ([0-9]+) of other workers, in ([0-9.]+) ms");

	private static final AtomicInteger databases = new AtomicInteger();

	private static EmbeddedPostgres postgres;

	@BeforeAll
	static void startPostgres() throws Exception {
		postgres = EmbeddedPostgres.start();
	}

	@AfterAll
	static void stopPostgres() throws Exception {
		if (postgres != null) {
			postgres.close();
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "caffeine, CaffeineCacheManager", "simple, ConcurrentMapCacheManager" })
	void everyReadAfterAnEvictionSeesTheNewValue(String cacheType, String cacheManager) throws Exception {
		String database = "forker_cache_" + databases.incrementAndGet();
		postgres.createDatabase(database);
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-postgres"))
			.name("cache-coherence-" + cacheType)
			.args("--spring.profiles.active=sqlinit", "--spring.datasource.url=" + postgres.jdbcUrl(database),
					"--spring.cache.type=" + cacheType, "--forker.workers=2",
					"--logging.level.dev.forker.boot.cache.CacheInvalidations=DEBUG")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(120));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			assertThat(forker.output()).contains("Local caches kept coherent across the workers",
					"cacheManager (" + cacheManager + ", every cache it creates)");

			// @CacheEvict of the entry
			cachedByBothWorkers(forker, 1, "George Franklin");
			assertThat(post(forker, "/owners/1?name=Jorge")).isEqualTo("Jorge");
			everyReadSees(forker, 1, "Jorge");

			// @CachePut
			cachedByBothWorkers(forker, 1, "Jorge");
			assertThat(post(forker, "/owners/1/cached?name=Georg")).isEqualTo("Georg");
			everyReadSees(forker, 1, "Georg");

			// @CacheEvict(allEntries = true): owner 1 renamed behind the cache's back
			// first, then owner 2 with every entry evicted
			cachedByBothWorkers(forker, 1, "Georg");
			cachedByBothWorkers(forker, 2, "Betty Davis");
			assertThat(post(forker, "/owners/1/uncached?name=Giorgio")).isEqualTo("Giorgio");
			assertThat(post(forker, "/owners/2/evict-all?name=Bettina")).isEqualTo("Bettina");
			everyReadSees(forker, 2, "Bettina");
			everyReadSees(forker, 1, "Giorgio");

			measureEvictionLatency(forker, cacheType);

			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	/**
	 * Read an owner on new connections until both workers answered with its name: both
	 * hold it in their cache then.
	 */
	private static void cachedByBothWorkers(ForkerProcess forker, int id, String name) {
		Set<Long> pids = new HashSet<>();
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
			JsonNode owner = get(forker, id);
			assertThat(owner.get("name").asString()).isEqualTo(name);
			pids.add(owner.get("pid").asLong());
			assertThat(pids).as("workers that cached owner " + id).hasSize(2);
		});
	}

	/**
	 * Read an owner at least {@link #READS} times, each on a new connection, and until
	 * both workers answered: every read sees the name.
	 */
	private static void everyReadSees(ForkerProcess forker, int id, String name) throws Exception {
		Set<Long> pids = new HashSet<>();
		List<String> seen = new ArrayList<>();
		for (int read = 0; read < READS || (pids.size() < 2 && read < 50 * READS); read++) {
			JsonNode owner = get(forker, id);
			seen.add(owner.get("name").asString());
			pids.add(owner.get("pid").asLong());
		}
		assertThat(pids).as("workers that answered").hasSize(2);
		assertThat(seen).as("names read on new connections after the rename")
			.hasSizeGreaterThanOrEqualTo(READS)
			.containsOnly(name);
	}

	/**
	 * Time renames that evict the entry in both workers against renames that leave the
	 * cache alone, alternately, each on a new connection.
	 */
	private static void measureEvictionLatency(ForkerProcess forker, String cacheType) throws Exception {
		List<Long> evicting = new ArrayList<>();
		List<Long> uncached = new ArrayList<>();
		for (int i = 0; i < LATENCY_SAMPLES; i++) {
			uncached.add(timePost(forker, "/owners/2/uncached?name=U" + i));
			evicting.add(timePost(forker, "/owners/2?name=E" + i));
		}
		List<Long> writes = new ArrayList<>();
		Matcher matcher = LOGGED.matcher(forker.output());
		while (matcher.find()) {
			writes.add(Math.round(Double.parseDouble(matcher.group(1)) * 1e6));
		}
		assertThat(writes).hasSizeGreaterThanOrEqualTo(LATENCY_SAMPLES);
		writes = writes.subList(writes.size() - LATENCY_SAMPLES, writes.size());
		List<Long> reads = new ArrayList<>();
		matcher = READ.matcher(forker.output());
		while (matcher.find()) {
			if (Integer.parseInt(matcher.group(1)) > 0) {
				reads.add(Math.round(Double.parseDouble(matcher.group(2)) * 1e6));
			}
		}
		assertThat(reads).as("reads of the log that applied another worker's invalidations").isNotEmpty();
		System.out.printf(
				"Eviction latency, 2 workers, %s cache, %d renames each on new connections: "
						+ "evicting rename p50 %.2f ms, p90 %.2f ms; rename without cache p50 %.2f ms, p90 %.2f ms; "
						+ "write to the invalidation log (in the evicting worker) p50 %.3f ms, p90 %.3f ms, "
						+ "max %.3f ms; %d reads of the log that applied invalidations of the other worker "
						+ "p50 %.3f ms, p90 %.3f ms, max %.3f ms%n",
				cacheType, LATENCY_SAMPLES, percentile(evicting, 50), percentile(evicting, 90),
				percentile(uncached, 50), percentile(uncached, 90), percentile(writes, 50), percentile(writes, 90),
				percentile(writes, 100), reads.size(), percentile(reads, 50), percentile(reads, 90),
				percentile(reads, 100));
		assertThat(percentile(evicting, 50)).as("median evicting rename, in ms").isLessThan(1000);
	}

	private static long timePost(ForkerProcess forker, String path) throws Exception {
		long start = System.nanoTime();
		post(forker, path);
		return System.nanoTime() - start;
	}

	private static double percentile(List<Long> nanos, int percentile) {
		List<Long> sorted = new ArrayList<>(nanos);
		sorted.sort(null);
		int index = Math.min(sorted.size() - 1, (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1);
		return sorted.get(Math.max(0, index)) / (double) TimeUnit.MILLISECONDS.toNanos(1);
	}

	private static JsonNode get(ForkerProcess forker, int id) throws Exception {
		HttpProbe.Response response = HttpProbe.get(forker.port(), "/owners/" + id);
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return Json.parse(response.body());
	}

	private static String post(ForkerProcess forker, String path) throws Exception {
		HttpProbe.Response response = HttpProbe.post(forker.port(), path, "");
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return Json.parse(response.body()).get("name").asString();
	}

}
