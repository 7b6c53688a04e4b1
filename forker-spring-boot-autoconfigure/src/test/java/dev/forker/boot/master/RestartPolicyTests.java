package dev.forker.boot.master;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.util.backoff.BackOffExecution;

import dev.forker.boot.ForkerProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link RestartPolicy}.
 */
class RestartPolicyTests {

	private static final long SECOND = Duration.ofSeconds(1).toNanos();

	@Test
	void backoffDoublesUpToItsMaximum() {
		RestartPolicy policy = new RestartPolicy(restart(3, Duration.ofMinutes(1)));
		BackOffExecution failures = policy.startBackOff();
		assertThat(RestartPolicy.nextDelay(failures)).isEqualTo(Duration.ofMillis(500));
		assertThat(RestartPolicy.nextDelay(failures)).isEqualTo(Duration.ofSeconds(1));
		assertThat(RestartPolicy.nextDelay(failures)).isEqualTo(Duration.ofSeconds(2));
		assertThat(RestartPolicy.nextDelay(failures)).isEqualTo(Duration.ofSeconds(4));
		for (int i = 0; i < 1000; i++) {
			assertThat(RestartPolicy.nextDelay(failures)).isEqualTo(Duration.ofSeconds(5));
		}
		assertThat(RestartPolicy.nextDelay(policy.startBackOff())).as("a new series starts over")
			.isEqualTo(Duration.ofMillis(500));
	}

	@Test
	void budgetAllowsMaxRestartsWithinTheWindow() {
		RestartPolicy policy = new RestartPolicy(restart(3, Duration.ofMinutes(1)));
		long start = 1_000 * SECOND;
		assertThat(policy.tryRecordRestart(start)).isTrue();
		assertThat(policy.tryRecordRestart(start + SECOND)).isTrue();
		assertThat(policy.tryRecordRestart(start + 2 * SECOND)).isTrue();
		assertThat(policy.tryRecordRestart(start + 3 * SECOND)).isFalse();
	}

	@Test
	void restartsOutsideTheWindowNoLongerCount() {
		RestartPolicy policy = new RestartPolicy(restart(2, Duration.ofMinutes(1)));
		long start = 1_000 * SECOND;
		assertThat(policy.tryRecordRestart(start)).isTrue();
		assertThat(policy.tryRecordRestart(start + 30 * SECOND)).isTrue();
		assertThat(policy.tryRecordRestart(start + 61 * SECOND)).isTrue();
		assertThat(policy.tryRecordRestart(start + 62 * SECOND)).isFalse();
	}

	@Test
	void zeroMaxRestartsMakesTheFirstUnexpectedExitFatal() {
		RestartPolicy policy = new RestartPolicy(restart(0, Duration.ofMinutes(1)));
		assertThat(policy.tryRecordRestart(SECOND)).isFalse();
	}

	private static ForkerProperties.Restart restart(int maxRestarts, Duration window) {
		ForkerProperties.Restart restart = new ForkerProperties.Restart();
		restart.setInitialBackoff(Duration.ofMillis(500));
		restart.setMaxBackoff(Duration.ofSeconds(5));
		restart.setMaxRestarts(maxRestarts);
		restart.setWindow(window);
		return restart;
	}

}
