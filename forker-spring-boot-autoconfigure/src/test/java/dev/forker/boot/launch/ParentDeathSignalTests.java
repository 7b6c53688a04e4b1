package dev.forker.boot.launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link ParentDeathSignal}.
 */
class ParentDeathSignalTests {

	private final List<String> command = List.of("/jdk/bin/java", "-jar", "app.jar");

	@Test
	void startsWorkersAsTheyAreWhenTurnedOff() {
		ParentDeathSignal signal = ParentDeathSignal.of(false);
		assertThat(signal.isUsed()).isFalse();
		assertThat(signal.wrap(this.command)).isEqualTo(this.command);
	}

	@Test
	void startsWorkersThroughSetprivWhenItHasPdeathsig() {
		assumeThat(System.getProperty("os.name")).startsWith("Linux");
		assumeThat(Files.isExecutable(Path.of("/usr/bin/setpriv"))).as("util-linux's setpriv").isTrue();
		ParentDeathSignal signal = ParentDeathSignal.of(true);
		assertThat(signal.isUsed()).isTrue();
		assertThat(signal.wrap(this.command)).containsExactly("/usr/bin/setpriv", "--pdeathsig", "TERM", "--",
				"/jdk/bin/java", "-jar", "app.jar");
	}

}
