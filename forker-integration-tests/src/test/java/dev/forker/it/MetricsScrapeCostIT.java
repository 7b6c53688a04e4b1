package dev.forker.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What one Prometheus scrape of every worker costs, measured on the MVC sample's real
 * jar: the time to answer a scrape (median, 99th percentile, maximum), its size, and the
 * processor time it takes in the workers and in the master, against a scrape of one
 * worker with {@code forker.metrics.aggregate=false}.
 * <p>
 * A short run with 2 workers is part of every build; {@code -Pscrape-cost} measures 2 and
 * 8 workers with more scrapes ({@code forker.it.scrape-cost.workers} and
 * {@code forker.it.scrape-cost.scrapes} choose). The figures go to the test's output and
 * to {@code target/metrics-scrape-cost.txt}. Only sane bounds are asserted, so that a
 * busy machine does not fail the build: every scrape is valid and accounts for every
 * ready worker, almost every scrape holds them all, and no scrape takes much longer than
 * {@code forker.metrics.scrape-timeout}.
 */
class MetricsScrapeCostIT {

	private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(1);

	private static final int WARM_UP_SCRAPES = 20;

	@Test
	void scrapeOfEveryWorkerIsCompleteAndItsCostIsReported() throws Exception {
		List<Integer> workerCounts = Arrays.stream(System.getProperty("forker.it.scrape-cost.workers", "2").split(","))
			.map(String::trim)
			.map(Integer::valueOf)
			.toList();
		int scrapes = Integer.getInteger("forker.it.scrape-cost.scrapes", 30);
		List<Cost> costs = new ArrayList<>();
		costs.add(measure(workerCounts.get(0), false, scrapes));
		for (int workers : workerCounts) {
			costs.add(measure(workers, true, scrapes));
		}
		StringBuilder report = new StringBuilder();
		report.append("| Workers | Scrape | Median ms | p99 ms | Max ms | Bytes | Series | Incomplete |")
			.append(" CPU ms per scrape, workers | CPU ms per scrape, master |\n");
		report.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
		costs.forEach((cost) -> report.append(cost.row()).append('\n'));
		report.append('\n')
			.append(scrapes)
			.append(" sequential scrapes per row (text format, a new connection each) after ")
			.append(WARM_UP_SCRAPES)
			.append(" to warm up; workers started with -Xmx256m -XX:TieredStopAtLevel=1; ")
			.append(Runtime.getRuntime().availableProcessors())
			.append(" processors, Java ")
			.append(System.getProperty("java.version"))
			.append(". CPU is that of the processes during the scrapes, background work included.\n");
		Path file = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("metrics-scrape-cost.txt");
		Files.writeString(file, report, StandardCharsets.UTF_8);
		System.out.println(report);
	}

	private Cost measure(int workers, boolean aggregate, int scrapes) throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("metrics-cost-" + workers + (aggregate ? "" : "-one"))
			.args("--forker.workers=" + workers, "--forker.metrics.aggregate=" + aggregate,
					"--forker.metrics.scrape-timeout=" + SCRAPE_TIMEOUT.toMillis() + "ms")
			.start()) {
			forker.awaitOutput("All " + workers + " workers are ready", Duration.ofSeconds(60L + 30L * workers));
			// Requests to time, so that every worker has http_server_requests series
			for (int i = 0; i < 20 * workers; i++) {
				assertThat(HttpProbe.worker(forker.port())).as("request to /worker").isPresent();
			}
			HttpProbe.Target target = HttpProbe.Target.http(forker.port());
			for (int i = 0; i < WARM_UP_SCRAPES; i++) {
				check(scrape(target), workers, aggregate);
			}
			List<ProcessHandle> workerProcesses = forker.startedPids()
				.stream()
				.map(ProcessHandle::of)
				.flatMap(Optional::stream)
				.toList();
			List<ProcessHandle> master = List.of(forker.process().toHandle());
			Duration workersBefore = cpu(workerProcesses);
			Duration masterBefore = cpu(master);
			long[] nanos = new long[scrapes];
			long[] bytes = new long[scrapes];
			int series = 0;
			int incomplete = 0;
			for (int i = 0; i < scrapes; i++) {
				long start = System.nanoTime();
				HttpProbe.BinaryResponse response = scrape(target);
				nanos[i] = System.nanoTime() - start;
				bytes[i] = response.body().length;
				Checked checked = check(response, workers, aggregate);
				series = checked.series();
				incomplete += checked.complete() ? 0 : 1;
				assertThat(Duration.ofNanos(nanos[i])).as("time of scrape %d", i)
					.isLessThan(SCRAPE_TIMEOUT.plusSeconds(2));
			}
			double workersCpu = cpu(workerProcesses).minus(workersBefore).toNanos() / 1e6 / scrapes;
			double masterCpu = cpu(master).minus(masterBefore).toNanos() / 1e6 / scrapes;
			assertThat(incomplete).as("scrapes that left a ready worker out").isLessThanOrEqualTo(scrapes / 10);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
			Arrays.sort(nanos);
			Arrays.sort(bytes);
			assertThat(Duration.ofNanos(percentile(nanos, 0.5))).as("median scrape time").isLessThan(SCRAPE_TIMEOUT);
			return new Cost(workers, aggregate, millis(percentile(nanos, 0.5)), millis(percentile(nanos, 0.99)),
					millis(nanos[scrapes - 1]), percentile(bytes, 0.5), series, incomplete, workersCpu, masterCpu);
		}
	}

	private static HttpProbe.BinaryResponse scrape(HttpProbe.Target target) throws IOException {
		return HttpProbe.getBinary(target, "/actuator/prometheus", Map.of());
	}

	/**
	 * Check that a scrape is valid and accounts for every ready worker: those it holds
	 * and those it counts as left out.
	 */
	private static Checked check(HttpProbe.BinaryResponse response, int workers, boolean aggregate) {
		assertThat(response.status()).isEqualTo(200);
		Exposition exposition = Exposition.parsePrometheusText(response.text());
		int series = exposition.families().values().stream().mapToInt((family) -> family.samples().size()).sum();
		if (!aggregate) {
			assertThat(exposition.families()).doesNotContainKey("forker_scrape_workers");
			return new Checked(series, true);
		}
		int held = (int) exposition.value("forker_scrape_workers");
		int missing = (int) exposition.value("forker_scrape_workers_missing");
		assertThat(held + missing).as("workers held and left out").isEqualTo(workers);
		Set<String> answered = new HashSet<>();
		exposition.samples("jvm_threads_live_threads", (labels) -> true)
			.forEach((sample) -> answered.add(sample.labels().get("worker")));
		assertThat(answered).as("workers whose series the scrape holds").hasSize(held);
		return new Checked(series, missing == 0);
	}

	private static long percentile(long[] sorted, double fraction) {
		int rank = (int) Math.ceil(fraction * sorted.length);
		return sorted[Math.max(0, rank - 1)];
	}

	private static double millis(long nanos) {
		return nanos / 1e6;
	}

	private static Duration cpu(List<ProcessHandle> processes) {
		Duration total = Duration.ZERO;
		for (ProcessHandle process : processes) {
			total = total.plus(process.info().totalCpuDuration().orElse(Duration.ZERO));
		}
		return total;
	}

	/**
	 * What a check found.
	 *
	 * @param series the number of series the scrape holds
	 * @param complete whether it holds every ready worker
	 */
	private record Checked(int series, boolean complete) {

	}

	/**
	 * The cost of the scrapes of one deployment.
	 */
	private record Cost(int workers, boolean aggregate, double medianMillis, double p99Millis, double maxMillis,
			long bytes, int series, int incomplete, double workersCpuMillis, double masterCpuMillis) {

		String row() {
			return String.format(Locale.ROOT, "| %d | %s | %.1f | %.1f | %.1f | %d | %d | %d | %.1f | %.2f |",
					this.workers, this.aggregate ? "every worker" : "one worker (aggregate=false)", this.medianMillis,
					this.p99Millis, this.maxMillis, this.bytes, this.series, this.incomplete, this.workersCpuMillis,
					this.masterCpuMillis);
		}

	}

}
