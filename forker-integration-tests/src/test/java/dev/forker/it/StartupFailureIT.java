package dev.forker.it;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.forker.it.apps.failing.FailingApplication;
import dev.forker.it.apps.slow.SlowStartApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A start that cannot succeed fails in seconds: while the application has never been
 * ready, a worker that fails to start stops the master, which reports that worker's own
 * failure once and exits non-zero, instead of restarting workers that fail the same way.
 * Once the application has been ready, crashed workers are restarted within the restart
 * budget.
 */
class StartupFailureIT {

	@Test
	void applicationThatCannotStartStopsTheMasterInSeconds() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(FailingApplication.class)
			.name("startup-failure")
			.args("--forker.enabled=true", "--forker.workers=2", "--forker.restart.initial-backoff=100ms")
			.start()) {
			long started = System.nanoTime();
			int exitCode = forker.awaitExit(Duration.ofSeconds(60));
			long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
			assertThat(exitCode).as("exit code" + forker.tail()).isEqualTo(1);
			assertThat(seconds).as("seconds until the master exited" + forker.tail()).isLessThan(20);
			String output = forker.output();
			assertThat(output).contains("before it was ready: java.lang.IllegalStateException: inventory database at "
					+ "db.invalid:5432 is unreachable. No worker has been ready yet, so the application cannot start: "
					+ "forker stops.");
			assertThat(count(output, "ERROR [master]", "No worker has been ready yet")).as("reported once")
				.isEqualTo(1);
			assertThat(output).doesNotContain("Restarting worker", "forker gives up");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
		}
	}

	@Test
	void managementPortInUseFailsBeforeAnyWorkerStarts() throws Exception {
		try (FreePorts.Held taken = FreePorts.hold()) {
			try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
				.name("management-port-taken")
				.args("--forker.workers=2", "--forker.mode=reuseport", "--management.server.port=" + taken.port(),
						"--management.server.address=127.0.0.1")
				.start()) {
				int exitCode = forker.awaitExit(Duration.ofSeconds(60));
				String output = forker.output();
				assertThat(exitCode).as("exit code" + forker.tail()).isEqualTo(1);
				assertThat(output).contains("Port " + taken.port() + " on 127.0.0.1 is already in use "
						+ "(management.server.port=" + taken.port() + ")");
				assertThat(forker.startedWorkers()).as("the master checks its ports before it starts a worker")
					.isEmpty();
			}
		}
	}

	@Test
	void workerThatIsNotReadyInTimeStopsTheStart() throws Exception {
		// The deadline counts from the worker's start, which overlaps the master's: 12
		// seconds get the worker into SlowCache (after its JPA and web server set-up) on
		// a
		// busy machine, so the dump shows it
		try (ForkerProcess forker = ForkerProcess.mainClass(SlowStartApplication.class)
			.name("startup-timeout")
			.args("--forker.enabled=true", "--forker.workers=1", "--forker.worker.startup-timeout=12s")
			.start()) {
			int exitCode = forker.awaitExit(Duration.ofSeconds(60));
			assertThat(exitCode).as("exit code" + forker.tail()).isEqualTo(1);
			String output = forker.output();
			assertThat(output).contains(
					"did not become ready within forker.worker.startup-timeout=12s: requesting a thread dump (SIGQUIT)");
			assertThat(output).contains("was killed by the master (signal 9 (SIGKILL)) because it did not become "
					+ "ready within forker.worker.startup-timeout=12s before it was ready");
			assertThat(output).contains("Full thread dump").contains("SlowCache");
			assertThat(output).doesNotContain("Restarting worker");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
		}
	}

	@Test
	void crashesAfterTheApplicationWasReadyAreRestartedWithinTheBudget() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("restart-budget")
			.args("--forker.workers=2", "--forker.restart.max-restarts=1", "--forker.restart.initial-backoff=100ms")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			long first = forker.startedWorkers().get(0).pid();
			ForkerProcess.signal(first, "KILL");
			forker.awaitOutput("Restarting worker 1 in 100ms", Duration.ofSeconds(10));
			await().atMost(Duration.ofSeconds(10)).until(() -> forker.startedWorkers().size() == 3);
			long second = forker.startedWorkers().get(2).pid();
			ForkerProcess.signal(second, "KILL");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isEqualTo(1);
			assertThat(forker.output())
				.contains("forker gives up: more than forker.restart.max-restarts=1 worker restarts within "
						+ "forker.restart.window=5m");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
		}
	}

	private static long count(String output, String tag, String text) {
		return output.lines().filter((line) -> line.contains(tag) && line.contains(text)).count();
	}

}
