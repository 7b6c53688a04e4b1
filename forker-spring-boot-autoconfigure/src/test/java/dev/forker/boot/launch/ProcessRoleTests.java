package dev.forker.boot.launch;

import org.junit.jupiter.api.Test;

import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ProcessRole}.
 */
class ProcessRoleTests {

	@Test
	void disabledWithoutTheProperty() {
		assertThat(ProcessRole.of(new MockEnvironment())).isEqualTo(ProcessRole.DISABLED);
	}

	@Test
	void disabledWhenSetToFalse() {
		assertThat(ProcessRole.of(new MockEnvironment().withProperty("forker.enabled", "false")))
			.isEqualTo(ProcessRole.DISABLED);
	}

	@Test
	void singleProcessUnderATestFramework() {
		assertThat(ProcessRole.of(new MockEnvironment().withProperty("forker.enabled", "true")))
			.isEqualTo(ProcessRole.SINGLE_PROCESS);
		assertThat(ProcessRole.singleProcessReason()).startsWith("it was launched by org.junit.");
	}

}
