package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.apps.reactive.ReactiveApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers are replaced while clients keep sending requests: first one worker is stopped
 * gracefully ({@code SIGTERM}) and restarted, then every worker is replaced by a rolling
 * restart ({@code SIGHUP} to the master). Two kinds of clients run throughout: some open
 * a new connection for every request, others keep a connection busy as load balancers and
 * client pools do. In shared mode the master holds the listening socket and a stopping
 * worker closes each keep-alive connection after answering its next request with
 * {@code Connection: close}, so no request may fail; in reuseport mode the kernel resets
 * the connections waiting in the stopping worker's own accept queue, and the loss is
 * reported, not asserted. No process may log an error in any mode.
 * <p>
 * Reuseport mode runs on Tomcat only unless {@code -Dforker.it.restart-matrix=full} (CI's
 * second pass, on Java 25, runs it on every server): its loss is not asserted, and each
 * configuration costs about 45 seconds.
 */
class RestartUnderLoadIT {

	private static final int NEW_CONNECTION_CLIENTS = 4;

	private static final int KEEP_ALIVE_CLIENTS = 8;

	private static final long MAX_REQUESTS = 1_000_000;

	static Stream<Arguments> configurations() {
		Stream<Arguments> always = Stream.of(Arguments.of("sample-webmvc", "shared", false),
				Arguments.of("sample-webmvc", "shared", true), Arguments.of("sample-webflux", "shared", false),
				Arguments.of("sample-jetty", "shared", false), Arguments.of("webflux-on-tomcat", "shared", false),
				Arguments.of("webflux-on-jetty", "shared", false), Arguments.of("sample-webmvc", "reuseport", false));
		if (!"full".equals(System.getProperty("forker.it.restart-matrix"))) {
			return always;
		}
		return Stream.concat(always, Stream.of(Arguments.of("sample-webflux", "reuseport", false),
				Arguments.of("sample-jetty", "reuseport", false)));
	}

	@ParameterizedTest(name = "{0} in {1} mode, virtual threads: {2}")
	@MethodSource("configurations")
	void replacingWorkersUnderLoad(String sample, String mode, boolean virtualThreads) throws Exception {
		try (ForkerProcess forker = launch(sample)
			.name(sample + "-" + mode + (virtualThreads ? "-virtual" : "") + "-restart-under-load")
			.args("--forker.workers=2", "--forker.mode=" + mode, "--forker.restart.initial-backoff=100ms",
					"--spring.threads.virtual.enabled=" + virtualThreads)
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Map<Long, WorkerAnswer> workers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			long victim = workers.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().worker() == 1)
				.findFirst()
				.orElseThrow()
				.getKey();
			HttpProbe.Target target = HttpProbe.Target.http(forker.port());
			List<String> report = new ArrayList<>();
			LoadLoop newConnections;
			LoadLoop keepAlive;
			try (LoadLoop loop = LoadLoop.start(target, "/worker", NEW_CONNECTION_CLIENTS, MAX_REQUESTS);
					LoadLoop pool = LoadLoop.startKeepAlive(target, "/worker", KEEP_ALIVE_CLIENTS, MAX_REQUESTS)) {
				newConnections = loop;
				keepAlive = pool;
				awaitRequests(loop, 200);
				awaitRequests(pool, 200);
				ForkerProcess.signal(victim, "TERM");
				forker.awaitOutput("Worker 1 (pid " + victim + ") exited unexpectedly", Duration.ofSeconds(60));
				forker.awaitOutput("Restarting worker 1", Duration.ofSeconds(10));
				Set<Long> beforeRollingRestart = forker.awaitDistinctWorkers(2, Duration.ofSeconds(60)).keySet();
				awaitRequests(loop, loop.succeeded() + 200);
				awaitRequests(pool, pool.succeeded() + 200);
				report.add(
						String.format("worker 1 stopped and restarted: new connections %s; keep-alive %s", loop, pool));
				forker.signal("HUP");
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
					assertThat(forker.output()).contains("Rolling restart of 2 workers (SIGHUP)");
					assertThat(forker.livePids(beforeRollingRestart)).isEmpty();
				});
				forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
				awaitRequests(loop, loop.succeeded() + 200);
				awaitRequests(pool, pool.succeeded() + 200);
			}
			report.add(String.format("after the rolling restart too: new connections %s; keep-alive %s", newConnections,
					keepAlive));
			report(sample, mode, virtualThreads, report);
			assertThat(newConnections.isRunning()).isFalse();
			assertThat(keepAlive.isRunning()).isFalse();
			assertThat(forker.output()).as("the stopping worker logs to the console to the end")
				.containsPattern("\\[worker-1\\] " + victim + " .*Graceful shutdown complete");
			if (mode.equals("shared")) {
				assertThat(newConnections.failed()).as("requests lost on new connections: " + newConnections).isZero();
				assertThat(keepAlive.failed()).as("requests lost on keep-alive connections: " + keepAlive).isZero();
				assertThat(keepAlive.connections())
					.as("keep-alive clients reconnected after Connection: close from stopping workers")
					.isGreaterThan(KEEP_ALIVE_CLIENTS);
			}
			assertThat(newConnections.succeeded()).isGreaterThan(600);
			assertThat(keepAlive.succeeded()).isGreaterThan(600);
			forker.assertNoErrorsLogged();
		}
	}

	/**
	 * Launch a sample's jar, or the reactive test application on Tomcat or Jetty.
	 */
	private static ForkerProcess.Builder launch(String application) {
		ForkerProcess.Builder builder = switch (application) {
			case "webflux-on-tomcat" ->
				ForkerProcess.mainClass(ReactiveApplication.class, ServerJars.JETTY, ServerJars.REACTOR_NETTY);
			case "webflux-on-jetty" ->
				ForkerProcess.mainClass(ReactiveApplication.class, ServerJars.TOMCAT, ServerJars.REACTOR_NETTY);
			default -> null;
		};
		if (builder == null) {
			return ForkerProcess.jar(ForkerProcess.sampleJar(application));
		}
		return builder.jvmOption("--enable-native-access=ALL-UNNAMED").args("--forker.enabled=true");
	}

	private static void awaitRequests(LoadLoop loop, long count) {
		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(
					() -> assertThat(loop.succeeded()).as("requests served: " + loop).isGreaterThanOrEqualTo(count));
	}

	private static void report(String sample, String mode, boolean virtualThreads, List<String> lines)
			throws IOException {
		StringBuilder text = new StringBuilder();
		for (String line : lines) {
			text.append(String.format("%s %s%s: %s%n", sample, mode, virtualThreads ? " (virtual threads)" : "", line));
		}
		System.out.print(text);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("restart-under-load.txt");
		Files.writeString(report, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
	}

}
