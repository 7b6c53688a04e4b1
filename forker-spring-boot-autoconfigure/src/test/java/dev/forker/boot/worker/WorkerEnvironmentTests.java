package dev.forker.boot.worker;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link WorkerEnvironment}.
 */
class WorkerEnvironmentTests {

	private final WorkerEnvironment environment = new WorkerEnvironment(3, 100, Path.of("/tmp/f/control.sock"),
			"secret", 8443, WorkerSocketMode.REUSEPORT, Duration.ofSeconds(2));

	@Test
	void roundTripsThroughEnvironmentVariables() {
		assertThat(WorkerEnvironment.from(this.environment.toVariables())).isEqualTo(this.environment);
	}

	@Test
	void variablesWithoutWorkerIdAreNoWorker() {
		assertThat(WorkerEnvironment.from(Map.of("PATH", "/usr/bin"))).isNull();
	}

	@Test
	void incompleteWorkerVariablesAreRejected() {
		Map<String, String> variables = new HashMap<>(this.environment.toVariables());
		variables.remove(WorkerEnvironment.CONTROL_SOCKET);
		assertThatIllegalStateException().isThrownBy(() -> WorkerEnvironment.from(variables))
			.withMessageContaining("FORKER_WORKER_ID=3")
			.withMessageContaining("started by a forker master");
	}

	@Test
	void theTestJvmIsNoWorker() {
		assertThat(WorkerEnvironment.current()).isNull();
		assertThat(dev.forker.boot.Forker.isWorker()).isFalse();
		assertThat(dev.forker.boot.Forker.workerId()).isEmpty();
	}

	@Test
	void nameSaysWhichWorker() {
		assertThat(this.environment.name()).isEqualTo("worker-3");
	}

}
