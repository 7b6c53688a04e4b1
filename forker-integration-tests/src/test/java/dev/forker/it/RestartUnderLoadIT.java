package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker stops gracefully and is restarted while a bounded client loop keeps sending
 * requests, each on a new connection. In shared mode the master holds the listening
 * socket, so no request may be lost; in reuseport mode the kernel resets the connections
 * waiting in the stopping worker's own accept queue, and the loss is reported, not
 * asserted.
 */
class RestartUnderLoadIT {

	private static final int CLIENTS = 4;

	private static final long MAX_REQUESTS = 100_000;

	@ParameterizedTest(name = "{0} in {1} mode")
	@CsvSource({ "sample-webmvc, shared", "sample-webflux, shared", "sample-webmvc, reuseport",
			"sample-webflux, reuseport" })
	void restartingAWorkerUnderLoad(String sample, String mode) throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar(sample))
			.name(sample + "-" + mode + "-restart-under-load")
			.args("--forker.workers=2", "--forker.mode=" + mode, "--forker.restart.initial-backoff=100ms")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Map<Long, WorkerAnswer> workers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			long victim = workers.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().worker() == 1)
				.findFirst()
				.orElseThrow()
				.getKey();
			LoadLoop load;
			try (LoadLoop loop = LoadLoop.start(HttpProbe.Target.http(forker.port()), "/worker", CLIENTS,
					MAX_REQUESTS)) {
				load = loop;
				awaitRequests(loop, 200);
				ForkerProcess.signal(victim, "TERM");
				forker.awaitOutput("Worker 1 (pid " + victim + ") exited unexpectedly", Duration.ofSeconds(60));
				forker.awaitOutput("Restarting worker 1", Duration.ofSeconds(10));
				long before = loop.succeeded();
				forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
				awaitRequests(loop, before + 200);
			}
			report(sample, mode, load);
			assertThat(load.isRunning()).isFalse();
			assertThat(forker.output()).as("the stopping worker logs to the console to the end")
				.containsPattern("\\[worker-1\\] " + victim + " .*Graceful shutdown complete");
			if (mode.equals("shared")) {
				assertThat(load.failed()).as("requests lost in shared mode: " + load + forker.tail()).isZero();
			}
			assertThat(load.succeeded()).isGreaterThan(400);
		}
	}

	private static void awaitRequests(LoadLoop loop, long count) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (loop.succeeded() < count && System.nanoTime() < deadline) {
			Thread.sleep(10);
		}
		assertThat(loop.succeeded()).as("requests served: " + loop).isGreaterThanOrEqualTo(count);
	}

	private static void report(String sample, String mode, LoadLoop load) throws IOException {
		String line = String.format("%s %s: %d requests succeeded, %d failed while worker 1 restarted %s%n", sample,
				mode, load.succeeded(), load.failed(), load.failures());
		System.out.print(line);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("restart-under-load.txt");
		Files.writeString(report, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
	}

}
