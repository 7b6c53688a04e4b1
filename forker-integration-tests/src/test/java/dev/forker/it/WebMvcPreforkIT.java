package dev.forker.it;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring MVC sample jar in prefork mode (default settings) with two workers, sharing
 * one started master across the tests of its life: serving, losing a worker, and
 * stopping.
 */
@Tag("jdk")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebMvcPreforkIT {

	private ForkerProcess forker;

	@BeforeAll
	void startSample() throws Exception {
		this.forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("webmvc-default")
			.withDefaultStartConcurrency()
			.args("--forker.workers=2", "--forker.restart.initial-backoff=200ms")
			.start();
		this.forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
	}

	@AfterAll
	void stopSample() {
		if (this.forker != null) {
			this.forker.close();
		}
	}

	@Test
	@Order(1)
	void twoDistinctWorkerPidsAnswerOnOnePort() {
		Map<Long, WorkerAnswer> answers = this.forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
		assertThat(answers).hasSize(2);
		assertThat(this.forker.output())
			.contains("starting 2 workers on port " + this.forker.port() + " (shared mode)");
		assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
		for (long pid : answers.keySet()) {
			assertThat(ProcessHandle.of(pid).flatMap(ProcessHandle::parent).map(ProcessHandle::pid))
				.as("parent of worker pid " + pid)
				.contains(this.forker.pid());
		}
	}

	@Test
	@Order(2)
	void everyLogLineSaysWhichProcessWroteIt() {
		String output = this.forker.output();
		assertThat(output).containsPattern("INFO \\[master\\] " + this.forker.pid() + " .*Started worker 1");
		for (ForkerProcess.StartedWorker worker : this.forker.startedWorkers()) {
			assertThat(output)
				.containsPattern("INFO \\[worker-" + worker.id() + "\\] " + worker.pid() + " .*Tomcat started on port");
		}
	}

	@Test
	@Order(3)
	void workersAreStartedWithTheMastersJvmOptionsAndNotAsMastersByArgument() {
		for (long pid : this.forker.startedPids()) {
			String commandLine = ForkerProcess.commandLine(pid);
			assertThat(commandLine).contains("-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar",
					"--server.port=" + this.forker.port(), "--forker.workers=2");
		}
	}

	@Test
	@Order(4)
	void actuatorShowsWorkersButRefusesWriteOperationsByDefault() throws Exception {
		HttpProbe.Response status = HttpProbe.get(this.forker.port(), "/actuator/forker");
		assertThat(status.status()).isEqualTo(200);
		assertThat(Json.parse(status.body()).at("/master/configuredWorkers").asInt()).isEqualTo(2);
		HttpProbe.Response scale = HttpProbe.post(this.forker.port(), "/actuator/forker/scale", "{\"workers\":3}");
		assertThat(scale.status()).as(scale.body()).isBetween(400, 499);
		HttpProbe.Response restart = HttpProbe.post(this.forker.port(), "/actuator/forker/rolling-restart", "{}");
		assertThat(restart.status()).as(restart.body()).isBetween(400, 499);
		assertThat(this.forker.output()).doesNotContain("Scaling from", "Rolling restart of");
		assertThat(Json.parse(HttpProbe.get(this.forker.port(), "/actuator/forker").body())
			.at("/master/configuredWorkers")
			.asInt()).isEqualTo(2);
	}

	@Test
	@Order(5)
	void killedWorkerIsReplacedWhileTheOtherKeepsServing() throws Exception {
		Map<Long, WorkerAnswer> before = this.forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
		long victim = before.entrySet()
			.stream()
			.filter((e) -> e.getValue().worker() == 1)
			.findFirst()
			.orElseThrow()
			.getKey();
		long survivor = before.keySet().stream().filter((pid) -> pid != victim).findFirst().orElseThrow();
		ForkerProcess.signal(victim, "KILL");
		this.forker.awaitOutput("Worker 1 (pid " + victim + ") exited unexpectedly with signal 9 (SIGKILL)",
				Duration.ofSeconds(10));
		assertThat(Path.of("/proc", Long.toString(victim))).as("the killed worker is reaped, not a zombie")
			.doesNotExist();
		// While worker 1 restarts, every request is served, by the survivor
		int served = 0;
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		Optional<Long> replacement = Optional.empty();
		while (replacement.isEmpty() && System.nanoTime() < deadline) {
			WorkerAnswer answer = HttpProbe.worker(this.forker.port())
				.orElseThrow(() -> new AssertionError(
						"A request failed while worker 1 was being replaced" + this.forker.tail()));
			served++;
			assertThat(answer.pid()).isNotEqualTo(victim);
			if (answer.pid() != survivor) {
				assertThat(answer.worker()).isEqualTo(1);
				replacement = Optional.of(answer.pid());
			}
		}
		assertThat(replacement).as("a new worker 1 answers" + this.forker.tail()).isPresent();
		assertThat(served).isPositive();
		assertThat(this.forker.output()).contains("Started worker 1 (pid " + replacement.get() + ")");
	}

	@Test
	@Order(6)
	void sigtermStopsEveryWorkerAndExitsZero() throws Exception {
		Set<Long> workers = this.forker.startedPids();
		this.forker.signal("TERM");
		assertThat(this.forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + this.forker.tail()).isZero();
		assertThat(this.forker.livePids(workers)).isEmpty();
		assertThat(this.forker.output()).contains("Received SIGTERM: stopping 2 workers gracefully",
				"Graceful shutdown complete", "forker master (pid " + this.forker.pid() + ") stopped");
		await().atMost(Duration.ofSeconds(5)).until(() -> FreePorts.isFree(this.forker.port()));
		this.forker.assertNoErrorsLogged();
	}

}
