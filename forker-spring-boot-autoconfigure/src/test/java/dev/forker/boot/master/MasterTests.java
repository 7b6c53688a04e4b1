package dev.forker.boot.master;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ForkerStatus;
import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerState;
import dev.forker.boot.master.FakeWorkerProcesses.Signalled;
import dev.forker.boot.posix.ExitStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Master}, its state machine driven without processes or waiting.
 */
@ExtendWith(OutputCaptureExtension.class)
class MasterTests {

	private static final ExitStatus CRASHED = new ExitStatus(1, 0);

	private static final ExitStatus KILLED = new ExitStatus(-1, 9);

	private static final ExitStatus STOPPED = new ExitStatus(143, 0);

	private final FakeWorkerProcesses processes = new FakeWorkerProcesses();

	private final ManualClock clock = new ManualClock();

	private final ForkerProperties properties = new ForkerProperties();

	private final Map<Long, FakeLink> links = new HashMap<>();

	private int stopAcceptingCalls;

	private Master master;

	@BeforeEach
	void configure() {
		this.properties.setWorkers(2);
		this.properties.getWorker().setStartConcurrency(0);
		this.properties.getRestart().setInitialBackoff(Duration.ofSeconds(1));
		this.properties.getRestart().setMaxBackoff(Duration.ofSeconds(8));
		this.properties.getRestart().setMaxRestarts(5);
		this.properties.getRestart().setWindow(Duration.ofMinutes(5));
		this.properties.setShutdownTimeout(Duration.ofSeconds(30));
		this.properties.getWorker().setStartupTimeout(Duration.ofSeconds(60));
		this.properties.getWorker().setHeartbeatTimeout(Duration.ofSeconds(10));
	}

	@Test
	void startsTheConfiguredWorkersWithDistinctTokens() {
		start();
		assertThat(this.processes.started()).extracting(FakeWorkerProcesses.Started::workerId).containsExactly(1, 2);
		assertThat(this.processes.started().get(0).token()).hasSize(32)
			.isNotEqualTo(this.processes.started().get(1).token());
		assertThat(this.master.status().master().configuredWorkers()).isEqualTo(2);
	}

	@Test
	void startConcurrencyStartsTheNextWorkerOnceOneIsReady(CapturedOutput output) {
		this.properties.setWorkers(3);
		this.properties.getWorker().setStartConcurrency(1);
		start();
		assertThat(this.processes.started()).extracting(FakeWorkerProcesses.Started::workerId).containsExactly(1);
		assertThat(this.master.status().workers()).hasSize(1);
		ready(pidOf(1));
		assertThat(this.processes.started()).extracting(FakeWorkerProcesses.Started::workerId).containsExactly(1, 2);
		assertThat(output).doesNotContain("All 3 workers are ready");
		ready(pidOf(2));
		ready(pidOf(3));
		assertThat(this.processes.started()).extracting(FakeWorkerProcesses.Started::workerId).containsExactly(1, 2, 3);
		assertThat(output).contains("All 3 workers are ready");
	}

	@Test
	void startConcurrencyDefaultsToHalfTheProcessors() {
		ForkerProperties.Worker worker = new ForkerProperties().getWorker();
		assertThat(worker.determineStartConcurrency())
			.isEqualTo(Math.max(1, Runtime.getRuntime().availableProcessors() / 2));
		worker.setStartConcurrency(0);
		assertThat(worker.determineStartConcurrency()).isEqualTo(Integer.MAX_VALUE);
		worker.setStartConcurrency(3);
		assertThat(worker.determineStartConcurrency()).isEqualTo(3);
	}

	@Test
	void stopBeforeEveryWorkerStartedLeavesTheOthersUnstarted() {
		this.properties.getWorker().setStartConcurrency(1);
		start();
		long pid = pidOf(1);
		this.master.onStopSignal("TERM");
		exit(pid, STOPPED);
		assertThat(this.processes.started()).hasSize(1);
		assertThat(this.master.isFinished()).isTrue();
	}

	@Test
	void adoptsTheWorkersStartedBeforeItRanAndStartsTheOthers() {
		this.properties.getWorker().setStartConcurrency(1);
		Instant startedAt = this.clock.instant().minusSeconds(1);
		create();
		this.master.adopt(List.of(new WorkerProcesses.Started(1, 777, "early-token", startedAt)));
		this.master.start();
		assertThat(this.processes.started()).isEmpty();
		ForkerStatus.Worker adopted = this.master.status().worker(1).get(0);
		assertThat(adopted.pid()).isEqualTo(777);
		assertThat(adopted.state()).isEqualTo(WorkerState.STARTING.displayName());
		FakeLink link = new FakeLink();
		this.master.onMessage(link, new ControlMessage.Hello(1, 777, "early-token"));
		this.master.onMessage(link, new ControlMessage.Ready());
		assertThat(this.master.status().worker(1).get(0).state()).isEqualTo(WorkerState.READY.displayName());
		assertThat(this.processes.started()).extracting(FakeWorkerProcesses.Started::workerId).containsExactly(2);
	}

	@Test
	void startupTimeoutOfAnAdoptedWorkerCountsFromItsStart() {
		this.properties.getWorker().setStartupTimeout(Duration.ofSeconds(20));
		create();
		this.master
			.adopt(List.of(new WorkerProcesses.Started(1, 777, "early-token", this.clock.instant().minusSeconds(15)),
					new WorkerProcesses.Started(2, 778, "other-token", this.clock.instant())));
		this.master.start();
		advance(Duration.ofSeconds(6));
		assertThat(this.processes.signals(777)).contains(new Signalled(777, ProcessSignal.QUIT, false));
		assertThat(this.processes.signals(778)).isEmpty();
	}

	@Test
	void readyWorkersAreCountedAndToldTheSummary(CapturedOutput output) {
		start();
		readyAll();
		ForkerStatus status = this.master.status();
		assertThat(status.master().readyWorkers()).isEqualTo(2);
		assertThat(status.workers()).extracting(ForkerStatus.Worker::state).containsOnly("ready");
		assertThat(output).contains("starting 2 workers on port 8080, management.server.port 8081 (shared mode)",
				"All 2 workers are ready on port 8080");
		assertThat(status.master().ports()).containsEntry("server.port", 8080)
			.containsEntry("management.server.port", 8081);
		assertThat(link(1001).sent()).contains(new ControlMessage.HeartbeatAck(2, 2));
	}

	@Test
	void workerThatCrashesAfterTheDeploymentWasReadyIsRestartedWithBackoff(CapturedOutput output) {
		start();
		readyAll();
		exit(1000, CRASHED);
		assertThat(output).contains("Worker 1 (pid 1000) exited unexpectedly with exit code 1",
				"Restarting worker 1 in 1s");
		advance(Duration.ofMillis(999));
		assertThat(this.processes.started()).hasSize(2);
		advance(Duration.ofMillis(1));
		long replacement = this.processes.lastStarted().pid();
		assertThat(this.processes.lastStarted().workerId()).isEqualTo(1);
		exit(replacement, CRASHED);
		assertThat(output).contains("Restarting worker 1 in 2s");
		advance(Duration.ofSeconds(2));
		long third = this.processes.lastStarted().pid();
		ready(third);
		exit(third, CRASHED);
		assertThat(output).as("a worker that was ready starts the backoff over")
			.containsPattern("(?s)Restarting worker 1 in 2s.*Restarting worker 1 in 1s");
		assertThat(this.master.status().worker(2)).hasSize(1);
		assertThat(this.master.isFinished()).isFalse();
	}

	@Test
	void restartBudgetEndsTheMasterWithExitCodeOne(CapturedOutput output) {
		this.properties.getRestart().setMaxRestarts(2);
		start();
		readyAll();
		for (int i = 0; i < 2; i++) {
			exit(pidOf(1), CRASHED);
			advance(Duration.ofSeconds(8));
		}
		exit(pidOf(1), CRASHED);
		assertThat(output).contains("forker gives up: more than forker.restart.max-restarts=2");
		assertThat(this.processes.signals(1001)).contains(new Signalled(1001, ProcessSignal.TERM, true));
		exit(1001, STOPPED);
		assertThat(this.master.isFinished()).isTrue();
		assertThat(this.master.exitCode()).isEqualTo(1);
	}

	@Test
	void workerThatFailsBeforeTheApplicationWasEverReadyStopsTheStart(CapturedOutput output) {
		start();
		link(1000);
		this.master.onMessage(link(1000), new ControlMessage.StartupFailed(
				"org.springframework.boot.web.server.PortInUseException: Port 8081 is already in use",
				"Web server failed to start. Port 8081 was already in use.",
				"Identify and stop the process that's listening on port 8081 or configure this application to listen on another port."));
		exit(1000, CRASHED);
		assertThat(output).contains("Worker 1 (pid 1000) exited unexpectedly with exit code 1 before it was ready",
				"No worker has been ready yet, so the application cannot start: forker stops.",
				"APPLICATION FAILED TO START", "Web server failed to start. Port 8081 was already in use.",
				"Identify and stop the process");
		assertThat(output).doesNotContain("Restarting worker");
		assertThat(this.processes.signals(1001)).containsExactly(new Signalled(1001, ProcessSignal.TERM, true));
		advance(Duration.ofSeconds(5));
		assertThat(this.processes.signals(1001)).as("a worker that never was ready is killed after a short grace")
			.contains(new Signalled(1001, ProcessSignal.KILL, true));
		exit(1001, KILLED);
		assertThat(this.master.isFinished()).isTrue();
		assertThat(this.master.exitCode()).isEqualTo(1);
		assertThat(this.processes.started()).hasSize(2);
	}

	@Test
	void workerKilledFromOutsideBeforeAnyWorkerWasReadyIsRestarted(CapturedOutput output) {
		start();
		exit(1000, KILLED);
		assertThat(output)
			.contains("Worker 1 (pid 1000) exited unexpectedly with signal 9 (SIGKILL) before it was ready")
			.doesNotContain("the application cannot start");
		assertThat(this.master.isFinished()).isFalse();
		advance(Duration.ofSeconds(2));
		assertThat(output).contains("Restarting worker 1");
		long restarted = pidOf(1);
		assertThat(restarted).isNotEqualTo(1000);
		// Stopped by an operator's SIGTERM: the JVM exits with 143 after its shutdown
		// hooks
		exit(restarted, STOPPED);
		assertThat(this.master.isFinished()).isFalse();
		advance(Duration.ofSeconds(5));
		readyAll();
		assertThat(this.master.status().master().readyWorkers()).isEqualTo(2);
	}

	@Test
	void workerThatFailsBeforeItWasReadyIsRestartedOnceAnyWorkerWasReady(CapturedOutput output) {
		start();
		ready(1000);
		exit(1001, CRASHED);
		assertThat(output).contains("Worker 2 (pid 1001) exited unexpectedly with exit code 1 before it was ready")
			.doesNotContain("the application cannot start");
		assertThat(this.master.isFinished()).isFalse();
		advance(Duration.ofSeconds(2));
		assertThat(pidOf(2)).isNotEqualTo(1001);
	}

	@Test
	void failureOfAWorkerThatWasNeverReadyIsRestartedOnceTheDeploymentWasReady() {
		start();
		readyAll();
		this.master.onMessage(link(1001), new ControlMessage.Ready());
		exit(1000, CRASHED);
		advance(Duration.ofSeconds(1));
		long restarted = pidOf(1);
		exit(restarted, CRASHED);
		assertThat(this.master.isFinished()).isFalse();
		advance(Duration.ofSeconds(2));
		assertThat(pidOf(1)).isNotEqualTo(restarted);
	}

	@Test
	void startupTimeoutDumpsAndKillsTheWorker(CapturedOutput output) {
		this.properties.getWorker().setStartupTimeout(Duration.ofSeconds(20));
		start();
		ready(1000);
		advance(Duration.ofSeconds(21));
		assertThat(this.processes.signals(1001)).containsExactly(new Signalled(1001, ProcessSignal.QUIT, false),
				new Signalled(1001, ProcessSignal.CONT, true));
		advance(Duration.ofSeconds(2));
		assertThat(this.processes.signals(1001)).contains(new Signalled(1001, ProcessSignal.KILL, true));
		exit(1001, KILLED);
		assertThat(output).contains("Worker 2 (pid 1001) was killed by the master (signal 9 (SIGKILL)) because it "
				+ "did not become ready within forker.worker.startup-timeout=20s before it was ready");
		// Worker 1 has been ready: the application can start, and worker 2 is restarted
		assertThat(this.master.isFinished()).isFalse();
		advance(Duration.ofSeconds(2));
		assertThat(output).contains("Restarting worker 2");
		assertThat(pidOf(2)).isNotEqualTo(1001);
	}

	@Test
	void startupTimeoutBeforeAnyWorkerWasReadyStopsTheStart(CapturedOutput output) {
		this.properties.setWorkers(1);
		this.properties.getWorker().setStartupTimeout(Duration.ofSeconds(20));
		start();
		advance(Duration.ofSeconds(21));
		advance(Duration.ofSeconds(2));
		assertThat(this.processes.signals(1000)).contains(new Signalled(1000, ProcessSignal.KILL, true));
		exit(1000, KILLED);
		assertThat(output).contains(
				"Worker 1 (pid 1000) was killed by the master (signal 9 (SIGKILL)) because it "
						+ "did not become ready within forker.worker.startup-timeout=20s before it was ready",
				"No worker has been ready yet, so the application cannot start: forker stops.");
		assertThat(this.master.exitCode()).isEqualTo(1);
	}

	@Test
	void workerThatStopsSendingHeartbeatsIsDumpedKilledAndReplaced(CapturedOutput output) {
		start();
		readyAll();
		for (int i = 0; i < 3; i++) {
			advance(Duration.ofSeconds(4));
			heartbeat(1001, 0);
		}
		assertThat(this.processes.signals(1000)).containsExactly(new Signalled(1000, ProcessSignal.QUIT, false),
				new Signalled(1000, ProcessSignal.CONT, true));
		assertThat(this.master.status().worker(1).get(0).state()).isEqualTo("unresponsive");
		assertThat(this.master.status().master().readyWorkers()).isEqualTo(1);
		advance(Duration.ofSeconds(2));
		exit(1000, KILLED);
		assertThat(output).contains("sent no heartbeat for 12s (forker.worker.heartbeat-timeout=10s)");
		advance(Duration.ofSeconds(1));
		assertThat(pidOf(1)).isNotEqualTo(1000);
		assertThat(this.master.status().worker(1).get(0).restarts()).isEqualTo(1);
	}

	@Test
	void rollingRestartReplacesOneWorkerAtATime(CapturedOutput output) {
		start();
		readyAll();
		this.master.onOperatorSignal("HUP");
		tick();
		long replacement = pidOf(1);
		assertThat(replacement).isNotEqualTo(1000);
		assertThat(this.master.status().worker(1)).hasSize(2);
		assertThat(this.processes.signals(1000)).isEmpty();
		ready(replacement);
		assertThat(this.processes.signals(1000)).containsExactly(new Signalled(1000, ProcessSignal.TERM, true));
		tick();
		assertThat(this.processes.started()).as("worker 2 waits for the old worker 1 to be gone").hasSize(3);
		exit(1000, STOPPED);
		tick();
		long second = pidOf(2);
		assertThat(second).isNotEqualTo(1001);
		ready(second);
		exit(1001, STOPPED);
		tick();
		assertThat(this.master.status().master().rollingRestart()).isNull();
		assertThat(this.master.status().workers()).extracting(ForkerStatus.Worker::pid)
			.containsExactly(replacement, second);
		assertThat(output).contains("Rolling restart of 2 workers (SIGHUP)");
		assertThat(this.stopAcceptingCalls).as("a rolling restart keeps the shared sockets").isZero();
	}

	@Test
	void rollingRestartStopsWhenAReplacementFails(CapturedOutput output) {
		start();
		readyAll();
		this.master.onOperatorSignal("HUP");
		tick();
		long replacement = pidOf(1);
		exit(replacement, CRASHED);
		tick();
		assertThat(output).contains(
				"Rolling restart stopped: the replacement of worker 1 failed; worker 1 (pid 1000) " + "keeps serving");
		assertThat(this.master.status().master().rollingRestart()).isNull();
		assertThat(this.processes.started()).hasSize(3);
		assertThat(this.processes.signals(1000)).isEmpty();
		assertThat(this.master.status().master().readyWorkers()).isEqualTo(2);
	}

	@Test
	void workerThatCrashesWhileItsReplacementStartsIsReplacedByIt(CapturedOutput output) {
		start();
		readyAll();
		this.master.onOperatorSignal("HUP");
		tick();
		long replacement = pidOf(1);
		exit(1000, CRASHED);
		assertThat(output)
			.contains("Worker 1 (pid " + replacement + "), started as its replacement, takes over " + "worker 1");
		advance(Duration.ofSeconds(10));
		assertThat(this.processes.started()).as("no second process for worker 1").hasSize(3);
		ready(replacement);
		tick();
		long second = pidOf(2);
		ready(second);
		exit(1001, STOPPED);
		advance(Duration.ofSeconds(10));
		assertThat(this.master.status().workers()).extracting(ForkerStatus.Worker::pid)
			.containsExactly(replacement, second);
		assertThat(this.master.status().master().rollingRestart()).isNull();
		assertThat(this.master.status().worker(1).get(0).restarts()).isEqualTo(1);
	}

	@Test
	void scaleUpRetriesAWorkerThatCouldNotBeStarted(CapturedOutput output) {
		start();
		readyAll();
		this.processes.failNextStarts(1);
		this.master.onOperatorSignal("TTIN");
		assertThat(output).contains("Could not start worker 3", "Restarting worker 3 in 1s");
		advance(Duration.ofSeconds(1));
		assertThat(this.processes.lastStarted().workerId()).isEqualTo(3);
		assertThat(this.master.status().master().configuredWorkers()).isEqualTo(3);
	}

	@Test
	void scaleRepliesWhenAWorkerCouldNotBeStarted() {
		start();
		readyAll();
		this.processes.failNextStarts(1);
		FakeLink link = link(1000);
		this.master.onMessage(link, new ControlMessage.CommandRequest(7, ControlMessage.Command.SCALE, 3));
		ControlMessage.CommandReply reply = (ControlMessage.CommandReply) link.last();
		assertThat(reply.accepted()).isTrue();
		assertThat(reply.message()).contains("worker 3 could not be started and is retried");
	}

	@Test
	void scaleDownDuringARollingRestartRetiresBothProcessesOfTheRemovedWorker() {
		start();
		readyAll();
		this.master.onOperatorSignal("TTIN");
		ready(pidOf(3));
		this.master.onOperatorSignal("HUP");
		tick();
		ready(pidOf(1));
		exit(1000, STOPPED);
		tick();
		ready(pidOf(2));
		exit(1001, STOPPED);
		tick();
		long replacement = pidOf(3);
		long old = this.processes.started().stream().filter((s) -> s.workerId() == 3).findFirst().orElseThrow().pid();
		this.master.onOperatorSignal("TTOU");
		assertThat(this.processes.signals(old)).contains(new Signalled(old, ProcessSignal.TERM, true));
		assertThat(this.processes.signals(replacement)).contains(new Signalled(replacement, ProcessSignal.TERM, true));
		exit(old, STOPPED);
		exit(replacement, STOPPED);
		advance(Duration.ofSeconds(5));
		assertThat(this.master.status().master().rollingRestart()).isNull();
		assertThat(this.master.status().workers()).extracting(ForkerStatus.Worker::id).containsExactly(1, 2);
	}

	@Test
	void workerRecycledAfterMaxRequests() {
		this.properties.getWorker().setMaxRequests(100);
		start();
		readyAll();
		heartbeat(1000, 99);
		tick();
		assertThat(this.processes.started()).hasSize(2);
		heartbeat(1000, 100);
		tick();
		assertThat(pidOf(1)).isNotEqualTo(1000);
		assertThat(this.master.status().master().rollingRestart()).contains("max-requests");
	}

	@Test
	void stopSignalStopsEveryWorkerGracefullyThenKills(CapturedOutput output) {
		start();
		readyAll();
		this.master.onStopSignal("TERM");
		assertThat(this.stopAcceptingCalls).as("a full stop refuses new connections at once").isEqualTo(1);
		assertThat(this.processes.signals()).containsExactlyInAnyOrder(new Signalled(1000, ProcessSignal.TERM, true),
				new Signalled(1001, ProcessSignal.TERM, true));
		exit(1000, STOPPED);
		advance(Duration.ofSeconds(30));
		assertThat(this.processes.signals(1001)).contains(new Signalled(1001, ProcessSignal.KILL, true));
		exit(1001, KILLED);
		assertThat(this.master.isFinished()).isTrue();
		assertThat(this.master.exitCode()).isZero();
		assertThat(output).contains("Received SIGTERM: stopping 2 workers gracefully");
	}

	@Test
	void secondInterruptKillsAtOnce() {
		start();
		readyAll();
		this.master.onStopSignal("INT");
		this.master.onStopSignal("INT");
		assertThat(this.processes.signals()).contains(new Signalled(1000, ProcessSignal.KILL, true),
				new Signalled(1001, ProcessSignal.KILL, true));
	}

	@Test
	void commandsAreRefusedWhileStopping() {
		start();
		readyAll();
		FakeLink link = link(1000);
		this.master.onStopSignal("TERM");
		this.master.onMessage(link, new ControlMessage.CommandRequest(1, ControlMessage.Command.ROLLING_RESTART, null));
		assertThat(((ControlMessage.CommandReply) link.last()).accepted()).isFalse();
	}

	@Test
	void failingTaskLeavesTheMasterRunning(CapturedOutput output) {
		start();
		this.master.post(() -> {
			throw new IllegalStateException("unable to create native thread (test)");
		});
		this.master.runPending();
		assertThat(output).contains("a task failed, the master goes on");
		assertThat(this.master.isFinished()).isFalse();
		readyAll();
		assertThat(this.master.status().master().readyWorkers()).isEqualTo(2);
	}

	@Test
	void introductionsWithTheWrongTokenOrTwiceAreRejected(CapturedOutput output) {
		start();
		FakeLink impostor = new FakeLink();
		this.master.onMessage(impostor, new ControlMessage.Hello(1, 1000, "guess"));
		assertThat(impostor.closed).isTrue();
		link(1000);
		FakeLink second = new FakeLink();
		this.master.onMessage(second, new ControlMessage.Hello(1, 1000, this.processes.started(1000).token()));
		assertThat(second.closed).isTrue();
		FakeLink anonymous = new FakeLink();
		this.master.onMessage(anonymous, new ControlMessage.StatusRequest(1));
		assertThat(anonymous.closed).isTrue();
		assertThat(output).contains("Rejected a control connection that claimed to be worker 1 (pid 1000)");
	}

	@Test
	void statusOfHundredsOfWorkersFitsTheMessageLimit() {
		this.properties.setWorkers(500);
		start();
		FakeLink link = link(1000);
		this.master.onMessage(link, new ControlMessage.StatusRequest(9));
		ControlCodec codec = new ControlCodec();
		List<ForkerStatus.Worker> workers = new ArrayList<>();
		for (ControlMessage message : link.sent()) {
			if (message instanceof ControlMessage.StatusReply reply) {
				assertThat(codec.encode(reply).length).isLessThan(ControlCodec.MAX_MESSAGE_BYTES);
				assertThat(reply.parts()).isEqualTo(8);
				workers.addAll(reply.status().workers());
			}
		}
		assertThat(workers).hasSize(500);
	}

	@Test
	void signalsNeverReachAReapedProcess() {
		start();
		readyAll();
		exit(1000, CRASHED);
		this.master.onStopSignal("TERM");
		this.master.onStopSignal("INT");
		advance(Duration.ofMinutes(1));
		assertThat(this.processes.signals(1000)).isEmpty();
	}

	@Test
	void schedulerRoleGoesToOneReadyWorkerAndMovesOnlyOnceReleased(CapturedOutput output) {
		start();
		ready(1000);
		assertThat(roleMessages(1000)).containsExactly(new ControlMessage.RoleGranted("SCHEDULER"));
		ready(1001);
		assertThat(roleMessages(1001)).as("one holder at a time").isEmpty();
		assertThat(this.master.status().worker(1).get(0).roles()).containsExactly("scheduler");
		this.clock.advance(Duration.ofSeconds(1));
		this.master.onOperatorSignal("HUP");
		tick();
		long replacement = pidOf(1);
		// Ready after worker 2, not at the same instant of the manual clock
		this.clock.advance(Duration.ofMillis(1));
		ready(replacement);
		assertThat(roleMessages(1000)).endsWith(new ControlMessage.RoleRevoked("SCHEDULER"));
		assertThat(roleMessages(replacement)).as("not before the old holder released it").isEmpty();
		assertThat(roleMessages(1001)).isEmpty();
		this.master.onMessage(link(1000), new ControlMessage.RoleReleased("SCHEDULER"));
		assertThat(roleMessages(replacement)).as("the worker ready last, which no later step stops")
			.containsExactly(new ControlMessage.RoleGranted("SCHEDULER"));
		assertThat(output).contains("released the scheduler role");
	}

	@Test
	void schedulerRoleOfACrashedWorkerGoesToAnotherAtOnce() {
		start();
		readyAll();
		long holder = (roleMessages(1000).isEmpty()) ? 1001 : 1000;
		long other = (holder == 1000) ? 1001 : 1000;
		exit(holder, KILLED);
		assertThat(roleMessages(other)).containsExactly(new ControlMessage.RoleGranted("SCHEDULER"));
	}

	@Test
	void schedulerRoleOfAnUnresponsiveWorkerWaitsUntilItIsGone() {
		start();
		readyAll();
		long holder = (roleMessages(1000).isEmpty()) ? 1001 : 1000;
		long other = (holder == 1000) ? 1001 : 1000;
		advance(Duration.ofSeconds(6));
		heartbeat(other, 0);
		advance(Duration.ofSeconds(5));
		assertThat(this.processes.signals(holder)).contains(new Signalled(holder, ProcessSignal.QUIT, false));
		assertThat(roleMessages(other)).as("a hung worker may still run its jobs").isEmpty();
		exit(holder, KILLED);
		assertThat(roleMessages(other)).containsExactly(new ControlMessage.RoleGranted("SCHEDULER"));
	}

	@Test
	void firstWorkerToAskInitializesTheDatabaseAndTheOthersWaitForIt(CapturedOutput output) {
		start();
		assertThat(databaseTurn(1001)).isEqualTo(new ControlMessage.DatabaseTurnReply(1, true, false));
		assertThat(databaseTurn(1000)).isEqualTo(new ControlMessage.DatabaseTurnReply(1, false, false));
		this.master.onMessage(link(1001), new ControlMessage.DatabaseInitialized());
		assertThat(link(1000).sent).contains(new ControlMessage.DatabaseInitialized());
		assertThat(output).contains("Worker 2 (pid 1001) initializes the database")
			.contains("Worker 2 (pid 1001) initialized the database");
		readyAll();
		exit(1000, CRASHED);
		advance(Duration.ofSeconds(2));
		long replacement = pidOf(1);
		assertThat(databaseTurn(replacement)).as("a replacement runs no scripts again")
			.isEqualTo(new ControlMessage.DatabaseTurnReply(1, false, true));
		ready(replacement);
		this.master.onOperatorSignal("HUP");
		tick();
		long deployed = pidOf(1);
		assertThat(databaseTurn(deployed)).as("a rolling restart is a new deployment")
			.isEqualTo(new ControlMessage.DatabaseTurnReply(1, true, false));
	}

	@Test
	void workerThatDiesBeforeItInitializedTheDatabaseLeavesItToTheNext() {
		this.properties.setWorkers(3);
		start();
		readyAll();
		this.master.onOperatorSignal("HUP");
		tick();
		long first = pidOf(1);
		assertThat(databaseTurn(first).initialize()).isTrue();
		exit(first, CRASHED);
		exit(1001, CRASHED);
		advance(Duration.ofSeconds(2));
		assertThat(databaseTurn(pidOf(2)).initialize()).isTrue();
	}

	@Test
	void readyInitializerCountsAsDone() {
		start();
		assertThat(databaseTurn(1000).initialize()).isTrue();
		assertThat(databaseTurn(1001).initialize()).isFalse();
		ready(1000);
		assertThat(link(1001).sent).contains(new ControlMessage.DatabaseInitialized());
	}

	@Test
	void upgradeCheckThatDoesNotEndInTimeIsKilledAndTheUpgradeRefusedWithAWarning(CapturedOutput output) {
		this.properties.getUpgrade().setCheckTimeout(Duration.ofSeconds(20));
		HangingCheck check = upgradeWithAHangingCheck();
		assertThat(check.results).hasSize(1);
		advance(Duration.ofMillis(19_999));
		assertThat(check.replies).isEmpty();
		assertThat(check.abandoned).isZero();
		advance(Duration.ofMillis(1));
		assertThat(check.abandoned).isOne();
		assertThat(check.replies).singleElement().satisfies((reply) -> {
			assertThat(reply.accepted()).isFalse();
			assertThat(reply.message()).contains("did not end within 20s", "(forker.upgrade.check-timeout=20s)",
					"the running deployment carries on unchanged", "set forker.upgrade.check-timeout higher");
		});
		assertThat(output.getOut().lines().filter((line) -> line.contains("forker.upgrade.check-timeout=20s")))
			.singleElement()
			.satisfies((line) -> assertThat(line).contains("WARN"));
		assertThat(output.getOut()).doesNotContain("ERROR");
		assertThat(link(1000).sent()).noneMatch(ControlMessage.MasterReplacing.class::isInstance);
		// The killed check's exit comes later, and changes nothing
		check.results.get(0).accept("its check ended with signal 9 (SIGKILL)");
		this.master.runPending();
		assertThat(check.replies).hasSize(1);
		assertThat(output.getOut()).doesNotContain("ERROR");
	}

	@Test
	void upgradeCheckIsKilledWhenTheMasterStops() {
		HangingCheck check = upgradeWithAHangingCheck();
		this.master.onStopSignal("TERM");
		tick();
		assertThat(check.abandoned).isOne();
		assertThat(check.replies).singleElement().satisfies((reply) -> {
			assertThat(reply.accepted()).isFalse();
			assertThat(reply.message()).contains("the master is stopping");
		});
		tick();
		assertThat(check.abandoned).isOne();
	}

	@Test
	void upgradeCanBeginAgainAfterACheckTimedOutAndTheLateResultOfTheOldCheckIsIgnored() {
		this.properties.getUpgrade().setCheckTimeout(Duration.ofSeconds(10));
		HangingCheck check = upgradeWithAHangingCheck();
		advance(Duration.ofSeconds(10));
		assertThat(check.replies).singleElement().satisfies((reply) -> assertThat(reply.accepted()).isFalse());
		this.master.upgrade("SIGUSR2", check.replies::add);
		assertThat(check.results).hasSize(2);
		assertThat(check.replies).as("the second upgrade is not refused as in progress").hasSize(1);
		// The first check passing late must not hand the master over
		check.results.get(0).accept(null);
		this.master.runPending();
		assertThat(check.replies).hasSize(1);
		assertThat(link(1000).sent()).noneMatch(ControlMessage.MasterReplacing.class::isInstance);
		check.results.get(1).accept("its check ended with exit code 1");
		this.master.runPending();
		assertThat(check.replies).hasSize(2).last().satisfies((reply) -> {
			assertThat(reply.accepted()).isFalse();
			assertThat(reply.message()).contains("did not pass its check", "exit code 1");
		});
		advance(Duration.ofSeconds(20));
		assertThat(check.abandoned).as("a check that ended is not abandoned").isOne();
	}

	private ControlMessage.DatabaseTurnReply databaseTurn(long pid) {
		FakeLink link = link(pid);
		this.master.onMessage(link, new ControlMessage.DatabaseTurnRequest(1));
		return (ControlMessage.DatabaseTurnReply) link.sent.get(link.sent.size() - 1);
	}

	private List<ControlMessage> roleMessages(long pid) {
		return link(pid).sent.stream()
			.filter((message) -> message instanceof ControlMessage.RoleGranted
					|| message instanceof ControlMessage.RoleRevoked)
			.toList();
	}

	private void start() {
		create();
		this.master.start();
	}

	private void create() {
		this.master = new Master(this.properties, this.processes, this.clock, () -> this.stopAcceptingCalls++, 32,
				List.of(new ServedPort("server.port", 8080, 3), new ServedPort("management.server.port", 8081, 4)), 1);
	}

	private void readyAll() {
		for (FakeWorkerProcesses.Started started : this.processes.started()) {
			if (this.master.status().workers().stream().anyMatch((worker) -> worker.pid() == started.pid())) {
				ready(started.pid());
			}
		}
	}

	private FakeLink link(long pid) {
		return this.links.computeIfAbsent(pid, (key) -> {
			FakeLink link = new FakeLink();
			FakeWorkerProcesses.Started started = this.processes.started(pid);
			this.master.onMessage(link, new ControlMessage.Hello(started.workerId(), pid, started.token()));
			return link;
		});
	}

	private void ready(long pid) {
		this.master.onMessage(link(pid), new ControlMessage.Ready());
	}

	private void heartbeat(long pid, long requests) {
		this.master.onMessage(link(pid), new ControlMessage.Heartbeat("UP", requests, 0));
	}

	private void exit(long pid, ExitStatus status) {
		this.processes.exit(pid, status);
		this.master.reap();
	}

	private void tick() {
		this.master.tick();
	}

	private void advance(Duration duration) {
		this.clock.advance(duration);
		this.master.tick();
	}

	private long pidOf(int workerId) {
		return this.master.status()
			.worker(workerId)
			.stream()
			.filter((worker) -> !worker.state().equals(WorkerState.STOPPING.displayName()))
			.reduce((first, second) -> second)
			.orElseThrow()
			.pid();
	}

	/**
	 * A replacement whose check ends only when the test says so.
	 */
	private HangingCheck upgradeWithAHangingCheck() {
		start();
		readyAll();
		HangingCheck check = new HangingCheck();
		this.master.replacement(check);
		this.master.upgrade("SIGUSR2", check.replies::add);
		return check;
	}

	static final class HangingCheck implements MasterReplacement {

		private final List<Consumer<@Nullable String>> results = new ArrayList<>();

		private final List<ControlMessage.CommandReply> replies = new ArrayList<>();

		private int abandoned;

		@Override
		public void check(Consumer<@Nullable String> result) {
			this.results.add(result);
		}

		@Override
		public void abandonCheck() {
			this.abandoned++;
		}

		@Override
		public String replace(List<WorkerProcesses.Started> workers) {
			throw new AssertionError("Not replaced in these tests");
		}

	}

	static final class ManualClock implements MasterClock {

		private long nanos = 1_000_000_000_000L;

		@Override
		public long nanoTime() {
			return this.nanos;
		}

		@Override
		public Instant instant() {
			return Instant.EPOCH.plusNanos(this.nanos);
		}

		void advance(Duration duration) {
			this.nanos += duration.toNanos();
		}

	}

	static final class FakeLink implements ControlLink {

		private final List<ControlMessage> sent = new ArrayList<>();

		private @Nullable String name;

		private boolean closed;

		@Override
		public void send(ControlMessage message) {
			if (!this.closed) {
				this.sent.add(message);
			}
		}

		@Override
		public void introduced(String name) {
			this.name = name;
		}

		@Override
		public void close() {
			this.closed = true;
		}

		List<ControlMessage> sent() {
			return this.sent;
		}

		ControlMessage last() {
			return this.sent.get(this.sent.size() - 1);
		}

		@Override
		public String toString() {
			return (this.name != null) ? this.name : "anonymous";
		}

	}

}
