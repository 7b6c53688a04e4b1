package dev.forker.it;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import dev.forker.it.SharedDeployments.Deployment;
import dev.forker.it.SharedDeployments.Shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What operators do with a running master: look at it through Actuator, replace all
 * workers under load, change their number, have a hung worker replaced, and survive
 * garbage on the control channel. The tests run in order on the {@link Deployment#WEBMVC
 * shared Spring MVC deployment} (shared mode, two workers, write access to the endpoint
 * granted), each leaving it as it found it.
 */
@ExtendWith(SharedDeployments.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationsIT {

	private ForkerProcess forker;

	@BeforeEach
	void deployment(@Shared(Deployment.WEBMVC) ForkerProcess forker) {
		this.forker = forker;
	}

	@Test
	@Order(1)
	void endpointListsTheReadyWorkersWithTheirRealPids() throws Exception {
		Map<Long, WorkerAnswer> answering = this.forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
		JsonNode status = status();
		assertThat(status.at("/master/pid").asLong()).isEqualTo(this.forker.pid());
		assertThat(status.at("/master/mode").asString()).isEqualTo("shared");
		assertThat(status.at("/master/port").asInt()).isEqualTo(this.forker.port());
		assertThat(status.at("/master/configuredWorkers").asInt()).isEqualTo(2);
		assertThat(status.at("/master/readyWorkers").asInt()).isEqualTo(2);
		assertThat(pids(status)).isEqualTo(answering.keySet());
		for (JsonNode worker : status.get("workers")) {
			assertThat(worker.get("state").asString()).isEqualTo("ready");
			assertThat(worker.get("id").asInt()).isIn(1, 2);
			assertThat(worker.get("startedAt").asString()).isNotEmpty();
			assertThat(worker.get("lastHeartbeat").asString()).isNotEmpty();
			// A shared deployment: earlier tests may have restarted a worker
			assertThat(worker.get("restarts").isInt()).isTrue();
			assertThat(worker.has("uptimeSeconds")).isTrue();
			assertThat(worker.has("lastExit")).isTrue();
		}
		HttpProbe.Response one = HttpProbe.get(this.forker.port(), "/actuator/forker/2");
		assertThat(one.status()).isEqualTo(200);
		assertThat(Json.parse(one.body()).get(0).get("id").asInt()).isEqualTo(2);
		assertThat(HttpProbe.get(this.forker.port(), "/actuator/forker/9").status()).isEqualTo(404);
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			for (JsonNode worker : status().get("workers")) {
				assertThat(worker.get("health").asString()).isEqualTo("UP");
			}
		});
	}

	@Test
	@Order(2)
	void healthHasAForkerComponent() throws Exception {
		JsonNode health = Json.parse(HttpProbe.get(this.forker.port(), "/actuator/health").body());
		assertThat(health.at("/components/forker/status").asString()).isEqualTo("UP");
		assertThat(health.at("/components/forker/details/readyWorkers").asInt()).isEqualTo(2);
		assertThat(health.at("/components/forker/details/configuredWorkers").asInt()).isEqualTo(2);
		assertThat(health.at("/components/forker/details/minReadyWorkers").asInt()).isEqualTo(1);
		assertThat(HttpProbe.get(this.forker.port(), "/actuator/health/readiness").status()).isEqualTo(200);
	}

	@Test
	@Order(3)
	void metricsCountWorkersByStateAndSeparateEachWorker() throws IOException {
		await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
			JsonNode ready = Json
				.parse(HttpProbe.get(this.forker.port(), "/actuator/metrics/forker.workers?tag=state:ready").body());
			assertThat(ready.at("/measurements/0/value").asDouble()).isEqualTo(2.0);
			JsonNode uptime = Json
				.parse(HttpProbe.get(this.forker.port(), "/actuator/metrics/forker.worker.uptime").body());
			assertThat(uptime.at("/availableTags/0/tag").asString()).isEqualTo("worker");
			assertThat(uptime.at("/availableTags/0/values")).extracting(JsonNode::asString)
				.containsExactlyInAnyOrder("1", "2");
		});
		assertThat(HttpProbe.get(this.forker.port(), "/actuator/metrics/forker.worker.restarts").status())
			.isEqualTo(200);
	}

	@Test
	@Order(4)
	void garbageOnTheControlChannelLeavesTheMasterServing() throws Exception {
		long worker = status().get("workers").get(0).get("pid").asLong();
		Path socket = Path.of(environmentOf(worker).get("FORKER_CONTROL_SOCKET"));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())))
			.as("only the owner may enter the control directory")
			.isEqualTo("rwx------");
		sendRaw(socket, "this is not json\n".getBytes(StandardCharsets.UTF_8));
		sendRaw(socket,
				"{\"type\":\"hello\",\"workerId\":1,\"pid\":1,\"token\":\"guess\"}\n".getBytes(StandardCharsets.UTF_8));
		byte[] oversized = new byte[200 * 1024];
		Arrays.fill(oversized, (byte) 'x');
		sendRaw(socket, oversized);
		sendRaw(socket, "{\"type\":\"status-request\",\"requestId\":1}\n".getBytes(StandardCharsets.UTF_8));
		this.forker.awaitOutput("Closed an anonymous control connection that sent an invalid message",
				Duration.ofSeconds(10));
		this.forker.awaitOutput("Rejected a control connection that claimed to be worker 1 (pid 1)",
				Duration.ofSeconds(10));
		this.forker.awaitOutput("Closed an anonymous control connection that sent a message longer than 65536 bytes",
				Duration.ofSeconds(10));
		this.forker.awaitOutput("before introducing itself", Duration.ofSeconds(10));
		assertThat(status().at("/master/readyWorkers").asInt()).isEqualTo(2);
		this.forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
	}

	@Test
	@Order(5)
	void rollingRestartReplacesEveryWorkerWithoutLosingARequest() throws Exception {
		Set<Long> before = pids(status());
		HttpProbe.Target target = HttpProbe.Target.http(this.forker.port());
		LoadLoop load;
		LoadLoop keepAlive;
		try (LoadLoop loop = LoadLoop.start(target, "/worker", 4, 200_000);
				LoadLoop pool = LoadLoop.startKeepAlive(target, "/worker", 8, 1_000_000)) {
			load = loop;
			keepAlive = pool;
			HttpProbe.Response response = HttpProbe.post(this.forker.port(), "/actuator/forker/rolling-restart", "{}");
			assertThat(response.status()).isEqualTo(200);
			assertThat(Json.parse(response.body()).get("accepted").asBoolean()).as(response.body()).isTrue();
			await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
				JsonNode status = status();
				assertThat(status.at("/master/rollingRestart").isNull()).isTrue();
				assertThat(status.at("/master/readyWorkers").asInt()).isEqualTo(2);
				Set<Long> after = pids(status);
				assertThat(after).hasSize(2).doesNotContainAnyElementsOf(before);
			});
		}
		report("rolling restart (POST /actuator/forker/rolling-restart), new connections", load);
		report("rolling restart (POST /actuator/forker/rolling-restart), keep-alive connections", keepAlive);
		assertThat(this.forker.livePids(before)).isEmpty();
		assertThat(load.failed()).as("requests lost during the rolling restart: " + load).isZero();
		assertThat(keepAlive.failed()).as("requests lost on keep-alive connections: " + keepAlive).isZero();
		assertThat(keepAlive.connections())
			.as("keep-alive clients reconnected after Connection: close from stopping workers")
			.isGreaterThan(8);
		for (long pid : before) {
			assertThat(this.forker.output()).as("a stopping worker logs to the console to the end")
				.containsPattern("\\[worker-\\d\\] " + pid + " .*Graceful shutdown complete");
		}
		assertThat(this.forker.output()).contains("Rolling restart of 2 workers");
		this.forker.assertNoErrorsLogged();
		await().atMost(Duration.ofSeconds(15))
			.untilAsserted(() -> assertThat(
					HttpProbe.get(this.forker.port(), "/actuator/metrics/forker.worker.restarts").status())
				.isEqualTo(200));
		assertThat(this.forker.output()).as("one gauge per worker id while an id has two processes")
			.doesNotContain("has been already registered");
	}

	@Test
	@Order(6)
	void scalingUpAndDownChangesTheLiveWorkers() throws Exception {
		HttpProbe.Response up = HttpProbe.post(this.forker.port(), "/actuator/forker/scale", "{\"workers\":3}");
		assertThat(Json.parse(up.body()).get("accepted").asBoolean()).as(up.body()).isTrue();
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(status().at("/master/readyWorkers").asInt()).isEqualTo(3));
		Map<Long, WorkerAnswer> three = this.forker.awaitDistinctWorkers(3, Duration.ofSeconds(30));
		assertThat(three.values()).extracting(WorkerAnswer::worker).contains(3);
		long third = three.entrySet()
			.stream()
			.filter((e) -> e.getValue().worker() == 3)
			.findFirst()
			.orElseThrow()
			.getKey();
		HttpProbe.Response down = HttpProbe.post(this.forker.port(), "/actuator/forker/scale", "{\"workers\":2}");
		assertThat(Json.parse(down.body()).get("accepted").asBoolean()).as(down.body()).isTrue();
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			assertThat(this.forker.livePids(Set.of(third))).isEmpty();
			assertThat(status().at("/master/configuredWorkers").asInt()).isEqualTo(2);
			assertThat(pids(status())).hasSize(2).doesNotContain(third);
		});
		HttpProbe.Response invalid = HttpProbe.post(this.forker.port(), "/actuator/forker/scale", "{\"workers\":0}");
		assertThat(Json.parse(invalid.body()).get("accepted").asBoolean()).isFalse();
		assertThat(Json.parse(invalid.body()).get("message").asString()).contains("from 1 to");
	}

	@Test
	@Order(7)
	void signalsScaleAndRestart() throws Exception {
		this.forker.signal("TTIN");
		await().atMost(Duration.ofSeconds(60))
			.untilAsserted(() -> assertThat(status().at("/master/readyWorkers").asInt()).isEqualTo(3));
		this.forker.signal("TTOU");
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			JsonNode status = status();
			assertThat(status.at("/master/configuredWorkers").asInt()).isEqualTo(2);
			assertThat(status.get("workers")).hasSize(2);
		});
		Set<Long> before = pids(status());
		this.forker.signal("HUP");
		await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			JsonNode status = status();
			assertThat(status.at("/master/rollingRestart").isNull()).isTrue();
			assertThat(pids(status)).hasSize(2).doesNotContainAnyElementsOf(before);
		});
		assertThat(this.forker.output()).contains("Scaling from 2 to 3 workers (SIGTTIN)",
				"Scaling from 3 to 2 workers (SIGTTOU)", "Rolling restart of 2 workers (SIGHUP)");
	}

	@Test
	@Order(8)
	void frozenWorkerIsDumpedKilledAndReplaced() throws Exception {
		JsonNode victim = status().get("workers").get(0);
		long pid = victim.get("pid").asLong();
		int id = victim.get("id").asInt();
		int restarts = victim.get("restarts").asInt();
		ForkerProcess.signal(pid, "STOP");
		long stoppedAt = System.nanoTime();
		this.forker.awaitOutput("Worker " + id + " (pid " + pid + ") sent no heartbeat for", Duration.ofSeconds(15));
		this.forker.awaitOutput("Worker " + id + " (pid " + pid + ") was killed by the master (signal 9 (SIGKILL))",
				Duration.ofSeconds(15));
		long detectedAfter = Duration.ofNanos(System.nanoTime() - stoppedAt).toSeconds();
		assertThat(this.forker.output()).contains("requesting a thread dump (SIGQUIT)")
			.containsPattern("Full thread dump");
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			JsonNode status = status();
			assertThat(status.at("/master/readyWorkers").asInt()).isEqualTo(2);
			assertThat(pids(status)).doesNotContain(pid);
		});
		assertThat(detectedAfter).as("seconds from SIGSTOP to the kill (heartbeat-timeout 3s + 2s dump grace)")
			.isLessThan(12);
		JsonNode replaced = Json.parse(HttpProbe.get(this.forker.port(), "/actuator/forker/" + id).body()).get(0);
		assertThat(replaced.get("restarts").asInt()).isEqualTo(restarts + 1);
		assertThat(replaced.get("lastExit").asString()).isEqualTo("signal 9 (SIGKILL)");
	}

	private JsonNode status() throws IOException {
		HttpProbe.Response response = HttpProbe.get(this.forker.port(), "/actuator/forker");
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return Json.parse(response.body());
	}

	private static Set<Long> pids(JsonNode status) {
		Set<Long> pids = new HashSet<>();
		status.get("workers").forEach((worker) -> pids.add(worker.get("pid").asLong()));
		return pids;
	}

	private static Map<String, String> environmentOf(long pid) throws IOException {
		String raw = Files.readString(Path.of("/proc", Long.toString(pid), "environ"));
		Map<String, String> environment = new java.util.HashMap<>();
		for (String entry : raw.split("\0")) {
			int equals = entry.indexOf('=');
			if (equals > 0) {
				environment.put(entry.substring(0, equals), entry.substring(equals + 1));
			}
		}
		return environment;
	}

	private static void sendRaw(Path socket, byte[] bytes) throws IOException {
		try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			channel.connect(UnixDomainSocketAddress.of(socket));
			ByteBuffer buffer = ByteBuffer.wrap(bytes);
			try {
				while (buffer.hasRemaining()) {
					channel.write(buffer);
				}
			}
			catch (IOException ex) {
				// The master closed the connection before reading everything
				return;
			}
			// Wait until the master closes the connection, which it must do for each
			// of these inputs
			channel.configureBlocking(false);
			try (Selector selector = Selector.open()) {
				channel.register(selector, SelectionKey.OP_READ);
				ByteBuffer answer = ByteBuffer.allocate(1024);
				long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
				while (System.nanoTime() < deadline) {
					selector.select(200);
					selector.selectedKeys().clear();
					answer.clear();
					try {
						if (channel.read(answer) < 0) {
							return;
						}
					}
					catch (IOException ex) {
						// Closed with our bytes unread: the kernel resets the connection
						return;
					}
				}
				throw new AssertionError("The master did not close a control connection that sent garbage");
			}
		}
	}

	private static void report(String what, LoadLoop load) throws IOException {
		String line = String.format("%s: %d requests succeeded, %d failed %s%n", what, load.succeeded(), load.failed(),
				load.failures());
		System.out.print(line);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("rolling-restart-under-load.txt");
		Files.writeString(report, line, java.nio.file.StandardOpenOption.CREATE,
				java.nio.file.StandardOpenOption.APPEND);
	}

}
