package dev.forker.boot.worker;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.WorkerEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link WorkerAgent}, against a {@link FakeMaster}.
 */
class WorkerAgentTests {

	@Test
	void introducesItselfAndSendsHeartbeatsWithWhatItReports() throws Exception {
		try (FakeMaster master = FakeMaster.start(2); WorkerAgent agent = master.connect(() -> {
		})) {
			agent.report(() -> "UP", () -> 42);
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(master.received().get(0)).isInstanceOf(ControlMessage.Hello.class);
				assertThat(master.received()).contains(new ControlMessage.Heartbeat("UP", 42, 0));
			});
			ControlMessage.Hello hello = (ControlMessage.Hello) master.received().get(0);
			assertThat(hello.pid()).isEqualTo(ProcessHandle.current().pid());
			assertThat(hello.token()).isEqualTo("token");
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				WorkerAgent.MasterSummary summary = agent.getMasterSummary();
				assertThat(summary).isNotNull();
				assertThat(summary.readyWorkers()).isEqualTo(2);
			});
		}
	}

	@Test
	void asksTheMasterForStatusAndRelaysCommands() throws Exception {
		try (FakeMaster master = FakeMaster.start(2); WorkerAgent agent = master.connect(() -> {
		})) {
			assertThat(agent.status(Duration.ofSeconds(5))).isEqualTo(FakeMaster.status());
			ControlMessage.CommandReply reply = agent.command(ControlMessage.Command.SCALE, 3, Duration.ofSeconds(5));
			assertThat(reply.accepted()).isTrue();
			assertThat(reply.message()).isEqualTo("ok SCALE 3");
		}
	}

	@Test
	void noticesWhenTheMasterIsGone() throws Exception {
		CountDownLatch gone = new CountDownLatch(1);
		FakeMaster master = FakeMaster.start(2);
		try (WorkerAgent agent = master.connect(gone::countDown)) {
			await().atMost(Duration.ofSeconds(5)).until(() -> !master.received().isEmpty());
			master.close();
			assertThat(gone.await(5, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void haltsAtOnceWhenTheMasterIsGoneUntilItHasBeenReady() throws Exception {
		assertThat(WorkerAgent.haltsAtOnce(null)).as("not connected yet").isTrue();
		try (FakeMaster master = FakeMaster.start(2); WorkerAgent agent = master.connect(() -> {
		})) {
			assertThat(WorkerAgent.haltsAtOnce(agent)).as("starting").isTrue();
			agent.reportReady();
			assertThat(WorkerAgent.haltsAtOnce(agent)).as("ready: graceful within the grace").isFalse();
			assertThat(OrphanExit.GRACE_MILLIS).isLessThan(2000);
		}
	}

	@Test
	void waitsForAMasterThatDoesNotListenYet() throws Exception {
		Path directory = Files.createTempDirectory("fake-master");
		// This JVM's parent stands for the master: the agent waits while it lives
		long parent = ProcessHandle.current().parent().orElseThrow().pid();
		WorkerEnvironment environment = FakeMaster.workerEnvironment(directory, parent);
		CompletableFuture<WorkerAgent> connecting = CompletableFuture
			.supplyAsync(() -> WorkerAgent.connect(environment, (gone) -> {
			}));
		await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> !connecting.isDone());
		try (FakeMaster master = FakeMaster.start(directory, 2);
				WorkerAgent agent = connecting.get(5, TimeUnit.SECONDS)) {
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(master.received()).first().isInstanceOf(ControlMessage.Hello.class));
		}
	}

	@Test
	void givesUpWaitingWhenTheMasterIsNotItsParent() throws Exception {
		Path directory = Files.createTempDirectory("fake-master");
		WorkerEnvironment environment = FakeMaster.workerEnvironment(directory, 4242);
		CountDownLatch gone = new CountDownLatch(1);
		assertThatIllegalStateException()
			.isThrownBy(() -> WorkerAgent.connect(environment, (master) -> gone.countDown()))
			.withMessageContaining("Cannot reach forker master (pid 4242)");
		assertThat(gone.getCount()).isZero();
		Files.delete(directory);
	}

}
