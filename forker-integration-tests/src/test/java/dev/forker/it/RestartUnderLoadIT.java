package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.SharedDeployments.Deployment;
import dev.forker.it.SharedDeployments.Shared;
import dev.forker.it.apps.reactive.ReactiveApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers are replaced while clients keep sending requests, on every server: every worker
 * by a rolling restart ({@code SIGHUP} to the master) and, where the server is Tomcat,
 * one worker stopped from outside ({@code SIGTERM}) and restarted by the master. Two
 * kinds of clients run throughout: some open a new connection for every request, others
 * keep a connection busy as load balancers and client pools do. In shared mode the master
 * holds the listening socket and a stopping worker closes each keep-alive connection
 * after answering its next request with {@code Connection: close}, so no request may
 * fail; in reuseport mode the kernel resets the connections waiting in the stopping
 * worker's own accept queue, and the loss is reported, not asserted. No process may log
 * an error in any mode.
 * <p>
 * Which part runs where: a stopping worker drains the same way whoever stopped it, so the
 * outside {@code SIGTERM} runs once (Tomcat, shared mode; a rolling restart under load of
 * that deployment is {@link OperationsIT}'s), the rolling restart on every other
 * configuration. The samples in shared mode are the {@link SharedDeployments shared
 * deployments}.
 * <p>
 * Reuseport mode runs on Tomcat only unless {@code -Dforker.it.restart-matrix=full}. The
 * test with virtual threads runs on Java 21 and later (CI's Java 25 pass, where the tests
 * tagged {@code jdk} run).
 */
@ExtendWith(SharedDeployments.class)
class RestartUnderLoadIT {

	private static final int NEW_CONNECTION_CLIENTS = 4;

	private static final int KEEP_ALIVE_CLIENTS = 8;

	private static final long MAX_REQUESTS = 1_000_000;

	@Test
	void workerStoppedFromOutsideUnderLoad(@Shared(Deployment.WEBMVC) ForkerProcess forker) throws Exception {
		replaceUnderLoad(forker, "sample-webmvc", "shared", false, () -> {
			long victim = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30))
				.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().worker() == 1)
				.findFirst()
				.orElseThrow()
				.getKey();
			ForkerProcess.signal(victim, "TERM");
			forker.awaitOutput("Worker 1 (pid " + victim + ") exited unexpectedly", Duration.ofSeconds(60));
			forker.awaitOutput("Restarting worker 1", Duration.ofSeconds(10));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
			return Set.of(victim);
		});
	}

	@Test
	void rollingRestartUnderLoadOnJetty(@Shared(Deployment.JETTY) ForkerProcess forker) throws Exception {
		replaceUnderLoad(forker, "sample-jetty", "shared", false, () -> rollingRestart(forker));
	}

	@Test
	void rollingRestartUnderLoadOnReactorNetty(@Shared(Deployment.WEBFLUX) ForkerProcess forker) throws Exception {
		replaceUnderLoad(forker, "sample-webflux", "shared", false, () -> rollingRestart(forker));
	}

	@Test
	void rollingRestartUnderLoadOfWebFluxOnTomcat(@Shared(Deployment.WEBFLUX_ON_TOMCAT) ForkerProcess forker)
			throws Exception {
		replaceUnderLoad(forker, "webflux-on-tomcat", "shared", false, () -> rollingRestart(forker));
	}

	@Test
	void rollingRestartUnderLoadOfWebFluxOnJetty(@Shared(Deployment.WEBFLUX_ON_JETTY) ForkerProcess forker)
			throws Exception {
		replaceUnderLoad(forker, "webflux-on-jetty", "shared", false, () -> rollingRestart(forker));
	}

	@Test
	@Tag("jdk")
	void rollingRestartUnderLoadWithVirtualThreads() throws Exception {
		// Before Java 21 Spring Boot ignores spring.threads.virtual.enabled: the workers
		// would run the platform threads of the test above
		assumeThat(Runtime.version().feature()).as("Java with virtual threads").isGreaterThanOrEqualTo(21);
		rollingRestartUnderLoad("sample-webmvc", "shared", true);
	}

	static Stream<Arguments> configurations() {
		Stream<Arguments> always = Stream.of(Arguments.of("sample-webmvc", "reuseport", false));
		if (!"full".equals(System.getProperty("forker.it.restart-matrix"))) {
			return always;
		}
		return Stream.concat(always, Stream.of(Arguments.of("sample-webflux", "reuseport", false),
				Arguments.of("sample-jetty", "reuseport", false)));
	}

	@ParameterizedTest(name = "{0} in {1} mode, virtual threads: {2}")
	@MethodSource("configurations")
	void rollingRestartUnderLoad(String sample, String mode, boolean virtualThreads) throws Exception {
		try (ForkerProcess forker = launch(sample)
			.name(sample + "-" + mode + (virtualThreads ? "-virtual" : "") + "-restart-under-load")
			.args("--forker.workers=2", "--forker.mode=" + mode, "--forker.restart.initial-backoff=100ms",
					"--spring.threads.virtual.enabled=" + virtualThreads)
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			replaceUnderLoad(forker, sample, mode, virtualThreads, () -> rollingRestart(forker));
		}
	}

	/**
	 * Replace workers while both kinds of clients send requests, and check what they saw.
	 * @param replacement replaces workers once the load runs, and returns the pids of the
	 * workers it stopped
	 */
	private void replaceUnderLoad(ForkerProcess forker, String sample, String mode, boolean virtualThreads,
			Replacement replacement) throws Exception {
		forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
		HttpProbe.Target target = HttpProbe.Target.http(forker.port());
		LoadLoop newConnections;
		LoadLoop keepAlive;
		Set<Long> stopped;
		try (LoadLoop loop = LoadLoop.start(target, "/worker", NEW_CONNECTION_CLIENTS, MAX_REQUESTS);
				LoadLoop pool = LoadLoop.startKeepAlive(target, "/worker", KEEP_ALIVE_CLIENTS, MAX_REQUESTS)) {
			newConnections = loop;
			keepAlive = pool;
			awaitRequests(loop, 200);
			awaitRequests(pool, 200);
			stopped = replacement.replace();
			awaitRequests(loop, loop.succeeded() + 200);
			awaitRequests(pool, pool.succeeded() + 200);
		}
		report(sample, mode, virtualThreads, String.format("workers %s replaced: new connections %s; keep-alive %s",
				stopped, newConnections, keepAlive));
		assertThat(newConnections.isRunning()).isFalse();
		assertThat(keepAlive.isRunning()).isFalse();
		for (long pid : stopped) {
			assertThat(forker.output()).as("a stopping worker logs to the console to the end")
				.containsPattern("\\[worker-\\d\\] " + pid + " .*Graceful shutdown complete");
		}
		if (mode.equals("shared")) {
			assertThat(newConnections.failed()).as("requests lost on new connections: " + newConnections).isZero();
			assertThat(keepAlive.failed()).as("requests lost on keep-alive connections: " + keepAlive).isZero();
			assertThat(keepAlive.connections())
				.as("keep-alive clients reconnected after Connection: close from stopping workers")
				.isGreaterThan(KEEP_ALIVE_CLIENTS);
		}
		assertThat(newConnections.succeeded()).isGreaterThan(400);
		assertThat(keepAlive.succeeded()).isGreaterThan(400);
		forker.assertNoErrorsLogged();
	}

	/**
	 * A rolling restart ({@code SIGHUP}), until two new workers answer.
	 * @return the pids of the workers it replaced
	 */
	private static Set<Long> rollingRestart(ForkerProcess forker) throws Exception {
		Set<Long> before = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30)).keySet();
		forker.signal("HUP");
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			assertThat(forker.output()).contains("Rolling restart of 2 workers (SIGHUP)");
			assertThat(forker.livePids(before)).isEmpty();
		});
		forker.awaitDistinctWorkers(2, Duration.ofSeconds(60));
		return before;
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

	/**
	 * Replaces workers of a deployment under load.
	 */
	@FunctionalInterface
	private interface Replacement {

		Set<Long> replace() throws Exception;

	}

	private static void awaitRequests(LoadLoop loop, long count) {
		await().atMost(Duration.ofSeconds(60))
			.pollInterval(Duration.ofMillis(10))
			.untilAsserted(
					() -> assertThat(loop.succeeded()).as("requests served: " + loop).isGreaterThanOrEqualTo(count));
	}

	private static void report(String sample, String mode, boolean virtualThreads, String line) throws IOException {
		String text = String.format("%s %s%s: %s%n", sample, mode, virtualThreads ? " (virtual threads)" : "", line);
		System.out.print(text);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("restart-under-load.txt");
		Files.writeString(report, text, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
	}

}
