package dev.forker.it;

import java.time.Duration;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers die with their master, however it dies.
 */
class MasterDeathIT {

	@Test
	void workersExitWithinTwoSecondsOfTheMasterBeingKilled() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("master-kill")
			.args("--forker.workers=2")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			Set<Long> workers = forker.startedPids();
			assertThat(forker.livePids(workers)).hasSize(2);
			ForkerProcess.signal(forker.pid(), "KILL");
			await().atMost(Duration.ofSeconds(2))
				.pollInterval(Duration.ofMillis(25))
				.untilAsserted(() -> assertThat(forker.livePids(workers)).as("live workers" + forker.tail()).isEmpty());
			assertThat(forker.output()).contains("forker master (pid " + forker.pid() + ") is gone");
		}
	}

}
