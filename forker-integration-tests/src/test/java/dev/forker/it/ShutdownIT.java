package dev.forker.it;

import java.time.Duration;
import java.util.Set;

import dev.forker.it.apps.slowstop.SlowStopApplication;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The master waits for its workers to stop gracefully, but not for ever.
 */
class ShutdownIT {

	@Test
	void workersThatDoNotStopWithinTheShutdownTimeoutAreKilled() throws Exception {
		try (ForkerProcess forker = ForkerProcess.mainClass(SlowStopApplication.class)
			.name("slow-stop")
			.args("--forker.enabled=true", "--forker.workers=2", "--forker.shutdown-timeout=3s")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Set<Long> workers = forker.startedPids();
			long stopping = System.nanoTime();
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(30))).as("exit code" + forker.tail()).isZero();
			long seconds = Duration.ofNanos(System.nanoTime() - stopping).toSeconds();
			assertThat(seconds).as("seconds until the master exited").isBetween(3L, 15L);
			assertThat(forker.output()).contains("Waiting up to forker.shutdown-timeout=3s for 2 workers to stop")
				.containsPattern("Killing worker \\d \\(pid \\d+\\), worker \\d \\(pid \\d+\\): not stopped within "
						+ "forker.shutdown-timeout=3s")
				.contains("signal 9 (SIGKILL)");
			assertThat(forker.livePids(workers)).isEmpty();
		}
	}

}
