package dev.forker.it;

import java.time.Duration;

import dev.forker.it.apps.failing.FailingApplication;
import dev.forker.it.apps.slow.SlowStartApplication;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An application that fails at startup in every worker does not make the master loop: it
 * gives up within its restart budget and says why.
 */
class StartupFailureIT {

	@Test
	void masterGivesUpWithinItsRestartBudget() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(FailingApplication.class)
			.name("startup-failure")
			.args("--forker.enabled=true", "--forker.workers=2", "--forker.restart.max-restarts=3",
					"--forker.restart.initial-backoff=100ms", "--forker.restart.window=10m")
			.start()) {
			int exitCode = forker.awaitExit(Duration.ofSeconds(120));
			assertThat(exitCode).as("exit code" + forker.tail()).isEqualTo(1);
			String output = forker.output();
			assertThat(output).contains("exited unexpectedly with exit code 1 before it was ready: "
					+ "java.lang.IllegalStateException: inventory database at db.invalid:5432 is unreachable");
			assertThat(output).contains("forker gives up: more than forker.restart.max-restarts=3 worker restarts "
					+ "within forker.restart.window=10m");
			// 3 restarts are allowed: the fourth unexpected exit is one too many
			assertThat(count(output, "WARN [master]", "exited unexpectedly")).isEqualTo(4);
			assertThat(count(output, "INFO [master]", "Restarting worker")).isEqualTo(3);
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
		}
	}

	@Test
	void workerThatIsNotReadyInTimeCountsAsAFailedStart() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(SlowStartApplication.class)
			.name("startup-timeout")
			.args("--forker.enabled=true", "--forker.workers=1", "--forker.worker.startup-timeout=3s",
					"--forker.restart.max-restarts=1", "--forker.restart.initial-backoff=100ms")
			.start()) {
			int exitCode = forker.awaitExit(Duration.ofSeconds(60));
			assertThat(exitCode).as("exit code" + forker.tail()).isEqualTo(1);
			String output = forker.output();
			assertThat(output).contains(
					"did not become ready within forker.worker.startup-timeout=3s: requesting a thread dump (SIGQUIT)");
			assertThat(output).contains("was killed by the master (signal 9 (SIGKILL)) because it did not become "
					+ "ready within forker.worker.startup-timeout=3s before it was ready");
			assertThat(output).contains("Full thread dump").contains("SlowCache");
			assertThat(output).contains("forker gives up: more than forker.restart.max-restarts=1");
			assertThat(count(output, "WARN [master]", "was killed by the master")).isEqualTo(2);
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
		}
	}

	private static long count(String output, String tag, String text) {
		return output.lines().filter((line) -> line.contains(tag) && line.contains(text)).count();
	}

}
