package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The in-place upgrade of a whole deployment ({@code SIGUSR2}): the master replaces
 * itself with the version on disk, with the same pid, keeps its sockets and workers, then
 * replaces the workers. One master (Spring MVC sample, shared mode, 2 workers, its
 * {@code forker.*} settings in a file next to the jar) serves the tests, in order: a
 * broken configuration first, which changes nothing, then a good one under load.
 */
@Tag("jdk")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InPlaceUpgradeIT {

	private Path directory;

	private Path config;

	private ForkerProcess forker;

	@BeforeAll
	void start() throws IOException {
		this.directory = Files.createTempDirectory("forker-upgrade-it");
		this.config = this.directory.resolve("forker.properties");
		writeConfig("forker.workers=2");
		this.forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("in-place-upgrade")
			.args("--spring.config.additional-location=file:" + this.config,
					"--management.endpoint.forker.access=unrestricted")
			.start();
		this.forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
	}

	@AfterAll
	void stop() throws Exception {
		if (this.forker != null) {
			try {
				this.forker.signal("TERM");
				assertThat(this.forker.awaitExit(Duration.ofSeconds(60))).isZero();
			}
			finally {
				this.forker.close();
				Files.deleteIfExists(this.config);
				Files.deleteIfExists(this.directory);
			}
		}
	}

	@Test
	@Order(1)
	void aBrokenConfigurationLeavesTheDeploymentServingAsItWas() throws Exception {
		Set<Long> before = ForkerProcess.readyPids(this.forker.status());
		assertThat(before).hasSize(2);
		writeConfig("forker.workers=2\nforker.mode=sideways");
		this.forker.signal("USR2");
		this.forker.awaitOutput("In-place upgrade failed: the new version did not pass its check",
				Duration.ofSeconds(60));
		// Answered once the check has failed: a JVM start, longer than HttpProbe waits
		String response = postUpgrade(this.forker.port());
		String body = response.substring(response.indexOf("\r\n\r\n") + 4);
		JsonNode reply = Json.parse(response.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")
				? HttpProbe.dechunk(body) : body);
		assertThat(reply.get("accepted").asBoolean()).as(response).isFalse();
		assertThat(reply.get("message").asString()).contains("did not pass its check");
		JsonNode status = this.forker.status();
		assertThat(status.at("/master/pid").asLong()).isEqualTo(this.forker.pid());
		assertThat(ForkerProcess.readyPids(status)).isEqualTo(before);
		assertThat(this.forker.awaitDistinctWorkers(2, Duration.ofSeconds(30)).keySet()).isEqualTo(before);
		assertThat(this.forker.output()).contains("forker.mode").doesNotContain("replaces itself and keeps");
	}

	@Test
	@Order(2)
	void sigusr2UnderLoadReplacesMasterAndWorkersWithTheNewSettingsAndLosesNoRequest() throws Exception {
		Set<Long> before = ForkerProcess.readyPids(this.forker.status());
		writeConfig("forker.workers=3");
		// A visitor's HTTP session, in the state directory the new master keeps, outlives
		// the
		// master's replacement
		Browser visitor = new Browser(this.forker.port());
		assertThat(visits(visitor).get("visits").asInt()).isEqualTo(1);
		assertThat(visits(visitor).get("visits").asInt()).isEqualTo(2);
		HttpProbe.Target target = HttpProbe.Target.http(this.forker.port());
		LoadLoop load;
		LoadLoop keepAlive;
		long started;
		long took;
		// An operator's status requests through the upgrade: the workers answer them from
		// the master, and while it replaces itself they answer 503 at once (no 500, no
		// ERROR)
		Map<Integer, Integer> statusCodes = new ConcurrentHashMap<>();
		AtomicBoolean polling = new AtomicBoolean(true);
		Thread statusPoller = new Thread(() -> pollStatus(statusCodes, polling), "status-poller");
		statusPoller.setDaemon(true);
		try (LoadLoop loop = LoadLoop.start(target, "/worker", 4, 400_000);
				LoadLoop pool = LoadLoop.startKeepAlive(target, "/worker", 8, 2_000_000)) {
			load = loop;
			keepAlive = pool;
			started = System.nanoTime();
			statusPoller.start();
			this.forker.signal("USR2");
			this.forker.awaitOutput("replaces itself and keeps its 2 workers", Duration.ofSeconds(60));
			// The control channel that answers /actuator/forker is down while the master
			// replaces itself: ask once the new one has taken the workers over
			this.forker.awaitOutput("In-place upgrade: all 3 workers are ready", Duration.ofSeconds(120));
			// A status request may time out on a busy machine while workers start
			await().atMost(Duration.ofSeconds(180))
				.pollInterval(Duration.ofMillis(200))
				.ignoreExceptionsInstanceOf(IOException.class)
				.untilAsserted(() -> {
					JsonNode status = this.forker.status();
					assertThat(status.at("/master/rollingRestart").isNull()).isTrue();
					assertThat(status.at("/master/configuredWorkers").asInt()).isEqualTo(3);
					assertThat(ForkerProcess.readyPids(status)).hasSize(3).doesNotContainAnyElementsOf(before);
				});
			took = System.nanoTime() - started;
		}
		finally {
			polling.set(false);
			statusPoller.join(10_000);
		}
		JsonNode status = this.forker.status();
		assertThat(status.at("/master/pid").asLong()).isEqualTo(this.forker.pid());
		assertThat(this.forker.process().isAlive()).isTrue();
		report(String.format("in-place upgrade (SIGUSR2, 2 -> 3 workers) done in %.1f s, new connections", took / 1e9),
				load);
		report("in-place upgrade (SIGUSR2, 2 -> 3 workers), keep-alive connections", keepAlive);
		System.out
			.println("GET /actuator/forker through the upgrade, by status (-1: no answer in time): " + statusCodes);
		assertThat(statusCodes.keySet()).as("status answers through the upgrade: " + statusCodes)
			.isSubsetOf(200, 503, -1)
			.contains(200);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.forker.livePids(before).isEmpty());
		assertThat(load.failed()).as("requests lost during the upgrade: " + load).isZero();
		assertThat(keepAlive.failed()).as("requests lost on keep-alive connections: " + keepAlive).isZero();
		assertThat(this.forker.awaitDistinctWorkers(3, Duration.ofSeconds(30))).hasSize(3);
		JsonNode visit = visits(visitor);
		assertThat(visit.get("visits").asInt()).as("the session after the upgrade: " + visit).isEqualTo(3);
		assertThat(before).doesNotContain(visit.get("pid").asLong());
		assertThat(this.forker.output()).contains("connects to the new master")
			.contains("In-place upgrade: the new master (pid " + this.forker.pid() + ") takes over the sockets");
		this.forker.assertNoErrorsLogged("In-place upgrade failed", "LoggingFailureAnalysisReporter",
				"APPLICATION FAILED TO START", "Failed to bind properties", "forker.mode");
	}

	private void pollStatus(Map<Integer, Integer> statusCodes, AtomicBoolean polling) {
		while (polling.get()) {
			int code;
			try {
				code = HttpProbe.get(this.forker.port(), "/actuator/forker").status();
			}
			catch (IOException ex) {
				// No answer within HttpProbe's timeout: a busy machine while workers
				// start
				code = -1;
			}
			statusCodes.merge(code, 1, Integer::sum);
			try {
				// Paces the requests (about 10 a second); nothing waits on it
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

	private static String postUpgrade(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
			socket.setSoTimeout(150_000);
			OutputStream out = socket.getOutputStream();
			out.write(("POST /actuator/forker/upgrade HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
					+ "Content-Length: 2\r\nConnection: close\r\n\r\n{}")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	private void writeConfig(String content) throws IOException {
		Files.writeString(this.config, content + "\n");
	}

	private static void report(String what, LoadLoop load) throws IOException {
		String line = String.format("%s: %d requests succeeded, %d failed %s%n", what, load.succeeded(), load.failed(),
				load.failures());
		System.out.print(line);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("in-place-upgrade-under-load.txt");
		Files.writeString(report, line, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
	}

	private static JsonNode visits(Browser browser) throws IOException {
		Browser.Page page = browser.get("/session/visits");
		assertThat(page.status()).as(page.body()).isEqualTo(200);
		return Json.parse(page.body());
	}

}
