package dev.forker.boot.control;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link WorkerEnvironment}.
 */
class WorkerEnvironmentTests {

	private final WorkerEnvironment environment = new WorkerEnvironment(3, 100, Path.of("/tmp/f/control.sock"),
			"secret", WorkerSocketMode.INHERITED,
			List.of(new ServedPort("server.port", 8443, 3), new ServedPort("management.server.port", 8081, 4)),
			Duration.ofSeconds(2), Path.of("/tmp/f/log.sock"));

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
	void portsAreFoundByPropertyAndByNumber() {
		assertThat(this.environment.port("management.server.port")).extracting(ServedPort::port).isEqualTo(8081);
		assertThat(this.environment.port(8443)).extracting(ServedPort::fd).isEqualTo(3);
		assertThat(this.environment.port(9999)).isNull();
	}

	@Test
	void reuseportWorkersHaveNoDescriptors() {
		WorkerEnvironment reuseport = new WorkerEnvironment(1, 100, Path.of("/tmp/c.sock"), "t",
				WorkerSocketMode.REUSEPORT, List.of(new ServedPort("server.port", 8080, null)), Duration.ofSeconds(1),
				null);
		assertThat(reuseport.toVariables()).containsEntry(WorkerEnvironment.PORTS, "server.port=8080")
			.doesNotContainKey(WorkerEnvironment.LOG_SOCKET);
		assertThat(WorkerEnvironment.from(reuseport.toVariables())).isEqualTo(reuseport);
	}

	@Test
	void nameSaysWhichWorker() {
		assertThat(this.environment.name()).isEqualTo("worker-3");
	}

}
