package dev.forker.it;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One Prometheus scrape sees every worker: {@code /actuator/prometheus} of the MVC
 * sample's real jar, answered by whichever worker the kernel picks, on the server port or
 * the management port, holds the series of both workers, each with its {@code worker}
 * label, in every format a scraper can ask for; a worker that does not answer is left out
 * within the bound and counted; {@code forker.metrics.aggregate=false} brings back one
 * worker per scrape.
 */
class MetricsAggregationIT {

	private static final int REQUESTS = 300;

	private static final String OPENMETRICS = "application/openmetrics-text;version=1.0.0";

	private static final String PROTOBUF = "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited";

	private static final String COUNT = "http_server_requests_seconds_count";

	@ParameterizedTest(name = "scraped on the {0} port")
	@ValueSource(strings = { "server", "management" })
	void everyScrapeHoldsTheRequestsOfEveryWorker(String port) throws Exception {
		boolean management = port.equals("management");
		int managementPort = management ? FreePorts.find() : -1;
		// Both workers start together, so that each worker's first view of the master
		// (forker's own meters, refreshed every 5 seconds) already lists both
		List<String> arguments = new ArrayList<>(List.of("--forker.workers=2", "--forker.metrics.scrape-timeout=1s",
				"--forker.worker.start-concurrency=0"));
		if (management) {
			arguments.add("--management.server.port=" + managementPort);
			arguments.add("--management.server.address=127.0.0.1");
			arguments.add("--management.info.process.enabled=true");
		}
		ForkerProcess.Builder launch = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("metrics-" + port + "-port")
			.args(arguments.toArray(String[]::new));
		if (Runtime.version().feature() >= 24) {
			// The protobuf format comes from prometheus-metrics' shaded protobuf, which
			// calls sun.misc.Unsafe: Java 24 and later warn about it on stderr (JEP 498),
			// with or without forker. Applications allow it as this one does, and the
			// option given to the master reaches every worker.
			launch.jvmOption("--sun-misc-unsafe-memory-access=allow");
		}
		try (ForkerProcess forker = launch.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			HttpProbe.Target scrapes = HttpProbe.Target.http(management ? managementPort : forker.port());
			Map<String, Integer> served = sendRequests(forker, REQUESTS);
			int sent = served.values().stream().mapToInt(Integer::intValue).sum();
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(workerRequests(scrape(scrapes, null))).isEqualTo(served));
			Set<String> scrapedBy = new HashSet<>();
			List<String> formats = new ArrayList<>();
			for (int scrape = 0; scrape < 60 && (scrape < 6 || scrapedBy.size() < 2); scrape++) {
				String accept = switch (scrape % 3) {
					case 0 -> null;
					case 1 -> OPENMETRICS;
					default -> PROTOBUF;
				};
				Scrape result = scrape(scrapes, accept);
				formats.add(result.format());
				assertThat(workerRequests(result)).as("requests to /worker by worker, scrape %d", scrape)
					.isEqualTo(served);
				assertThat(result.gauge("forker_scrape_workers")).isEqualTo(2);
				assertThat(result.gauge("forker_scrape_workers_missing")).isZero();
				assertThat(result.workerLabels("forker_worker_requests"))
					.as("forker's own meters, once per worker they describe")
					.containsExactlyInAnyOrder("1", "2");
				assertThat(result.everySeriesHasAWorker()).as("every series but forker's has its worker").isTrue();
				if (management) {
					// Requests to the management port are not timed: which workers
					// answer it is what /actuator/info says
					HttpProbe.Response info = HttpProbe.get(scrapes, "/actuator/info");
					scrapedBy.add(Long.toString(Json.parse(info.body()).at("/process/pid").asLong()));
				}
				else {
					scrapedBy.addAll(result.scrapedBy());
				}
			}
			assertThat(formats).contains("text", "openmetrics", "protobuf");
			assertThat(scrapedBy).as("workers that answered on the " + port + " port").hasSize(2);
			assertThat(sent).isGreaterThanOrEqualTo(REQUESTS);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void workerThatDoesNotAnswerIsLeftOutCountedAndCostsTheBoundOnly() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("metrics-stopped-worker")
			.args("--forker.workers=2", "--forker.metrics.scrape-timeout=1s",
					// The stopped worker is not taken as hung during the test
					"--forker.worker.heartbeat-timeout=2m")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			HttpProbe.Target target = HttpProbe.Target.http(forker.port());
			long stoppedPid = pidOfWorker(forker, 2);
			Map<String, Integer> served = sendRequests(forker, 40);
			await().atMost(Duration.ofSeconds(30))
				.pollInterval(Duration.ofMillis(200))
				.untilAsserted(() -> assertThat(workerRequests(scrape(target, null))).isEqualTo(served));
			ForkerProcess.stop(stoppedPid);
			try {
				for (int scrape = 0; scrape < 3; scrape++) {
					long start = System.nanoTime();
					Scrape result = scrape(target, (scrape == 1) ? OPENMETRICS : null);
					Duration took = Duration.ofNanos(System.nanoTime() - start);
					assertThat(took).as("scrape with a stopped worker")
						.isBetween(Duration.ofMillis(950), Duration.ofSeconds(3));
					assertThat(result.gauge("forker_scrape_workers_missing")).isEqualTo(1);
					assertThat(result.gauge("forker_scrape_workers")).isEqualTo(1);
					assertThat(workerRequests(result)).containsOnlyKeys("1").containsEntry("1", served.get("1"));
				}
			}
			finally {
				ForkerProcess.signal(stoppedPid, "CONT");
			}
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				Scrape result = scrape(target, null);
				assertThat(result.gauge("forker_scrape_workers_missing")).isZero();
				assertThat(workerRequests(result)).isEqualTo(served);
			});
			assertThat(forker.output()).doesNotContain("Restarting worker");
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void aggregationOffAnswersWithOneWorkerPerScrape() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("metrics-aggregate-off")
			.args("--forker.workers=2", "--forker.metrics.aggregate=false")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			HttpProbe.Target target = HttpProbe.Target.http(forker.port());
			Map<String, Integer> served = sendRequests(forker, 100);
			Set<Integer> seen = new HashSet<>();
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
				Scrape result = scrape(target, null);
				assertThat(result.exposition().families()).doesNotContainKey("forker_scrape_workers");
				List<Exposition.Sample> requests = result.exposition()
					.samples(COUNT, (labels) -> "/worker".equals(labels.get("uri")));
				assertThat(requests).as("one worker's series, without a worker label").hasSize(1);
				assertThat(requests.get(0).labels()).doesNotContainKey("worker");
				int count = (int) requests.get(0).value();
				assertThat(served).as("one worker's requests").containsValue(count);
				seen.add(count);
				assertThat(seen).as("distinct answers").hasSize(new HashSet<>(served.values()).size());
			});
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	/**
	 * Send requests to {@code /worker}, each on a new connection, until {@code count}
	 * were sent and both workers answered some.
	 * @return the requests each worker answered, by worker id
	 */
	private static Map<String, Integer> sendRequests(ForkerProcess forker, int count) throws IOException {
		Map<String, Integer> served = new TreeMap<>();
		for (int sent = 0; sent < count || served.size() < 2; sent++) {
			assertThat(sent).as("requests sent before both workers answered").isLessThan(count + 2000);
			HttpProbe.Response response = HttpProbe.get(forker.port(), "/worker");
			WorkerAnswer answer = HttpProbe.parseWorker(response)
				.orElseThrow(() -> new AssertionError("Request " + served + " to /worker failed: " + response.status()
						+ " " + response.body() + forker.tail()));
			served.merge(Integer.toString(answer.worker()), 1, Integer::sum);
		}
		return served;
	}

	private static long pidOfWorker(ForkerProcess forker, int id) throws IOException {
		HttpProbe.Response status = HttpProbe.get(forker.port(), "/actuator/forker/" + id);
		assertThat(status.status()).isEqualTo(200);
		return Json.parse(status.body()).at("/0/pid").asLong();
	}

	/**
	 * Return the requests to {@code /worker} in a scrape, by worker label.
	 */
	private static Map<String, Integer> workerRequests(Scrape scrape) {
		Map<String, Integer> byWorker = new TreeMap<>();
		for (Exposition.Sample sample : scrape.exposition()
			.samples(COUNT, (labels) -> "/worker".equals(labels.get("uri")))) {
			assertThat(byWorker.put(sample.labels().get("worker"), (int) sample.value())).isNull();
		}
		return byWorker;
	}

	private static Scrape scrape(HttpProbe.Target target, String accept) throws IOException {
		HttpProbe.BinaryResponse response = HttpProbe.getBinary(target, "/actuator/prometheus",
				(accept != null) ? Map.of("Accept", accept) : Map.of());
		assertThat(response.status()).as("scrape status").isEqualTo(200);
		String contentType = response.headers().getOrDefault("content-type", "");
		if (accept == null) {
			assertThat(contentType).startsWith("text/plain;version=0.0.4");
			return new Scrape("text", Exposition.parsePrometheusText(response.text()));
		}
		if (accept.equals(OPENMETRICS)) {
			assertThat(contentType).startsWith(OPENMETRICS);
			return new Scrape("openmetrics", Exposition.parseOpenMetrics(response.text()));
		}
		assertThat(contentType).startsWith("application/vnd.google.protobuf");
		return new Scrape("protobuf", fromProtobuf(response.body()));
	}

	/**
	 * Read a protobuf scrape with the Prometheus client's own generated parser, into the
	 * samples the text format would show.
	 */
	private static Exposition fromProtobuf(byte[] body) throws IOException {
		StringBuilder text = new StringBuilder();
		ByteArrayInputStream in = new ByteArrayInputStream(body);
		Set<String> names = new HashSet<>();
		Metrics.MetricFamily family;
		while ((family = Metrics.MetricFamily.parseDelimitedFrom(in)) != null) {
			assertThat(names.add(family.getName())).as("family %s once", family.getName()).isTrue();
			String type = family.getType().name().toLowerCase(java.util.Locale.ROOT);
			text.append("# TYPE ").append(family.getName()).append(' ').append(type).append('\n');
			for (Metrics.Metric metric : family.getMetricList()) {
				StringBuilder labels = new StringBuilder();
				for (Metrics.LabelPair pair : metric.getLabelList()) {
					labels.append((labels.length() == 0) ? "{" : ",")
						.append(pair.getName())
						.append("=\"")
						.append(pair.getValue().replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
						.append('"');
				}
				String suffix = (labels.length() > 0) ? labels + "}" : "";
				switch (family.getType()) {
					case COUNTER -> append(text, family.getName(), suffix, metric.getCounter().getValue());
					case GAUGE -> append(text, family.getName(), suffix, metric.getGauge().getValue());
					case SUMMARY -> {
						append(text, family.getName() + "_count", suffix, metric.getSummary().getSampleCount());
						append(text, family.getName() + "_sum", suffix, metric.getSummary().getSampleSum());
					}
					default -> throw new AssertionError("Unexpected " + family.getType() + " " + family.getName());
				}
			}
		}
		return Exposition.parsePrometheusText(text.toString());
	}

	private static void append(StringBuilder text, String name, String labels, double value) {
		text.append(name)
			.append(labels)
			.append(' ')
			.append(Double.toString(value).replace("Infinity", "Inf"))
			.append('\n');
	}

	/**
	 * One scrape, parsed.
	 *
	 * @param format the format it came in
	 * @param exposition what it holds
	 */
	record Scrape(String format, Exposition exposition) {

		double gauge(String name) {
			return this.exposition.value(name);
		}

		Set<String> workerLabels(String family) {
			Set<String> workers = new HashSet<>();
			List<Exposition.Sample> samples = this.exposition.family(family).samples();
			samples.forEach((sample) -> workers.add(sample.labels().get("worker")));
			assertThat(samples).as("series of " + family).hasSize(workers.size());
			return workers;
		}

		boolean everySeriesHasAWorker() {
			return this.exposition.families()
				.values()
				.stream()
				.filter((family) -> !family.name().startsWith("forker_"))
				.flatMap((family) -> family.samples().stream())
				.allMatch((sample) -> Set.of("1", "2").contains(sample.labels().get("worker")));
		}

		/**
		 * Return the workers that answered earlier scrapes, from their requests to the
		 * Prometheus endpoint.
		 */
		Set<String> scrapedBy() {
			Set<String> workers = new HashSet<>();
			this.exposition.samples(COUNT, (labels) -> "/actuator/prometheus".equals(labels.get("uri")))
				.forEach((sample) -> workers.add(sample.labels().get("worker")));
			return workers;
		}

	}

}
