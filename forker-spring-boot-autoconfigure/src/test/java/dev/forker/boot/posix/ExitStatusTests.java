package dev.forker.boot.posix;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ExitStatus}.
 */
class ExitStatusTests {

	@Test
	void decodesAnExitCode() {
		ExitStatus status = ExitStatus.fromWaitStatus(3 << 8);
		assertThat(status.signaled()).isFalse();
		assertThat(status.exitCode()).isEqualTo(3);
		assertThat(status).hasToString("exit code 3");
	}

	@Test
	void decodesASignal() {
		ExitStatus status = ExitStatus.fromWaitStatus(9);
		assertThat(status.signaled()).isTrue();
		assertThat(status.signal()).isEqualTo(9);
		assertThat(status).hasToString("signal 9 (SIGKILL)");
	}

	@Test
	void decodesASignalWithCoreDump() {
		assertThat(ExitStatus.fromWaitStatus(0x80 | 11)).hasToString("signal 11 (SIGSEGV)");
	}

}
