package dev.forker.boot.diagnostics;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link Durations}.
 */
class DurationsTests {

	@Test
	void formatsDurationsTheWayPropertiesAreWritten() {
		assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
		assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
		assertThat(Durations.format(Duration.ofSeconds(40))).isEqualTo("40s");
		assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
		assertThat(Durations.format(Duration.ofMillis(2345))).isEqualTo("2.3s");
		assertThat(Durations.format(Duration.ofSeconds(-5))).isEqualTo("-5s");
		assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
	}

}
