package dev.forker.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.worker.FakeMaster;
import dev.forker.boot.worker.MasterUnavailableException;
import dev.forker.boot.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ForkerEndpoint}, {@link ForkerEndpointWebExtension},
 * {@link ForkerHealthIndicator} and {@link ForkerMetrics}, against a {@link FakeMaster}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ForkerActuateTests {

	private FakeMaster master;

	private WorkerAgent agent;

	@BeforeEach
	void connect() throws Exception {
		this.master = FakeMaster.start(2);
		this.agent = this.master.connect(() -> {
		});
	}

	@AfterEach
	void disconnect() throws Exception {
		this.agent.close();
		this.master.close();
	}

	@Test
	void metricsHaveOneRowPerWorkerIdWhileAReplacementStarts() {
		Instant now = Instant.now();
		List<ForkerStatus.Worker> workers = List.of(
				new ForkerStatus.Worker(1, 101, "ready", now.minusSeconds(60), 60, 0, now, "UP", 10, 3, null,
						List.of("scheduler")),
				new ForkerStatus.Worker(1, 103, "starting", now, 0, 0, null, null, 0, 0, null, List.of()),
				new ForkerStatus.Worker(2, 102, "stopping", now.minusSeconds(60), 60, 0, now, "UP", 5, 1, null,
						List.of()),
				new ForkerStatus.Worker(2, 104, "ready", now, 1, 0, now, "UP", 0, 0, null, List.of()));
		assertThat(ForkerMetrics.currentProcessOfEachId(workers)).extracting(ForkerStatus.Worker::pid)
			.containsExactly(101L, 104L);
	}

	@Test
	void endpointShowsTheMastersView() {
		ForkerEndpoint endpoint = new ForkerEndpoint(this.agent);
		assertThat(endpoint.status()).isEqualTo(FakeMaster.status());
		List<ForkerStatus.Worker> worker = endpoint.worker(2);
		assertThat(worker).singleElement().satisfies((process) -> {
			assertThat(process.pid()).isEqualTo(102);
			assertThat(process.lastExit()).isEqualTo("signal 9 (SIGKILL)");
		});
		assertThat(endpoint.worker(7)).isNull();
	}

	@Test
	void endpointAnswers503AtOnceWhileTheMasterReplacesItselfThenTheNewMastersView(CapturedOutput output)
			throws Exception {
		FakeMaster replaced = FakeMaster.start(2);
		FakeMaster replacing = null;
		// This JVM stands for the master, whose pid the new master keeps
		long masterPid = ProcessHandle.current().pid();
		WorkerAgent agent = replaced.connect(masterPid, () -> {
		});
		try {
			ForkerEndpoint endpoint = new ForkerEndpoint(agent);
			ForkerEndpointWebExtension web = new ForkerEndpointWebExtension(endpoint);
			assertThat(web.status().getStatus()).isEqualTo(200);
			// A listener may ask the new master: it does not run on the link's thread
			CompletableFuture<ForkerStatus> askedByListener = new CompletableFuture<>();
			agent.addMasterReplacedListener(() -> askedByListener.complete(agent.status(Duration.ofSeconds(5))));
			replaced.send(new ControlMessage.MasterReplacing());
			await().atMost(Duration.ofSeconds(5))
				.until(() -> replaced.received().contains(new ControlMessage.ReadyForNewMaster()));
			replaced.closeForReplacement();
			long start = System.nanoTime();
			WebEndpointResponse<Object> status = web.status();
			WebEndpointResponse<Object> worker = web.worker(2);
			ForkerEndpoint.OperationResult scale = endpoint.operate("scale", 3);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered before any timeout")
				.isLessThan(Duration.ofSeconds(2));
			assertThat(status.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
			assertThat(status.getBody()).isInstanceOfSatisfying(ForkerEndpointWebExtension.MasterUnavailable.class,
					(body) -> {
						assertThat(body.state()).isEqualTo("master-replacing");
						assertThat(body.masterPid()).isEqualTo(masterPid);
						assertThat(body.message()).contains("is replacing itself in place", "Ask again");
					});
			assertThat(worker.getStatus()).isEqualTo(WebEndpointResponse.STATUS_SERVICE_UNAVAILABLE);
			assertThat(scale.accepted()).isFalse();
			assertThat(scale.message()).contains("is replacing itself in place");
			assertThatExceptionOfType(MasterUnavailableException.class).isThrownBy(endpoint::status);
			replacing = FakeMaster.startReplacing(replaced.directory(), 2);
			FakeMaster newMaster = replacing;
			await().atMost(Duration.ofSeconds(10))
				.until(() -> newMaster.received().contains(new ControlMessage.Hello(1, masterPid, "token")));
			await().atMost(Duration.ofSeconds(5)).until(() -> web.status().getStatus() == 200);
			assertThat(web.status().getBody()).isEqualTo(FakeMaster.status());
			assertThat(web.worker(7).getStatus()).isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
			assertThat(newMaster.received()).first().isInstanceOf(ControlMessage.Hello.class);
			assertThat(askedByListener.get(10, TimeUnit.SECONDS)).isEqualTo(FakeMaster.status());
			assertThat(output).doesNotContain("ERROR");
		}
		finally {
			agent.close();
			if (replacing != null) {
				replacing.close();
			}
		}
	}

	@Test
	void endpointRelaysOperations() {
		ForkerEndpoint endpoint = new ForkerEndpoint(this.agent);
		assertThat(endpoint.operate("rolling-restart", null))
			.isEqualTo(new ForkerEndpoint.OperationResult(true, "ok ROLLING_RESTART null"));
		assertThat(endpoint.operate("scale", 4)).isEqualTo(new ForkerEndpoint.OperationResult(true, "ok SCALE 4"));
		assertThat(this.master.received()).contains(
				new ControlMessage.CommandRequest(1, ControlMessage.Command.ROLLING_RESTART, null),
				new ControlMessage.CommandRequest(2, ControlMessage.Command.SCALE, 4));
	}

	@Test
	void endpointRefusesUnknownOrIncompleteOperationsItself() {
		ForkerEndpoint endpoint = new ForkerEndpoint(this.agent);
		assertThat(endpoint.operate("reboot", null).accepted()).isFalse();
		assertThat(endpoint.operate("scale", null).message()).contains("\"workers\"");
		assertThat(this.master.received()).noneMatch(ControlMessage.CommandRequest.class::isInstance);
	}

	@Test
	void healthIsUpWhileEnoughWorkersAreReady() {
		ForkerHealthIndicator indicator = new ForkerHealthIndicator(this.agent, 2);
		await().atMost(Duration.ofSeconds(5)).until(() -> this.agent.getMasterSummary() != null);
		Health health = indicator.health(true);
		assertThat(health.getStatus()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("readyWorkers", 2)
			.containsEntry("configuredWorkers", 2)
			.containsEntry("minReadyWorkers", 2);
	}

	@Test
	void healthIsDownWithTooFewReadyWorkers() {
		this.master.readyWorkers(1);
		ForkerHealthIndicator indicator = new ForkerHealthIndicator(this.agent, 2);
		await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			WorkerAgent.MasterSummary summary = this.agent.getMasterSummary();
			assertThat(summary).isNotNull();
			assertThat(summary.readyWorkers()).isEqualTo(1);
		});
		assertThat(indicator.health(true).getStatus()).isEqualTo(Status.DOWN);
	}

	@Test
	void metricsCountWorkersByStateAndTagEachWorker() {
		SimpleMeterRegistry registry = new SimpleMeterRegistry();
		new ForkerMetrics(this.agent).bindTo(registry);
		assertThat(registry.get("forker.workers").tag("state", "ready").gauge().value()).isEqualTo(2.0);
		assertThat(registry.get("forker.workers").tag("state", "starting").gauge().value()).isZero();
		assertThat(registry.get("forker.worker.uptime").tag("worker", "1").gauge().value()).isEqualTo(60.0);
		assertThat(registry.get("forker.worker.restarts").tag("worker", "2").gauge().value()).isEqualTo(1.0);
		assertThat(registry.get("forker.worker.requests").tag("worker", "2").gauge().value()).isEqualTo(20.0);
		assertThat(registry.get("forker.worker.connections").tag("worker", "1").gauge().value()).isEqualTo(3.0);
		assertThat(registry.get("forker.worker.connections").tag("worker", "2").gauge().value()).isEqualTo(2.0);
	}

}
