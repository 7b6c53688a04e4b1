package dev.forker.boot.launch;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link ForkerPropertiesValidator}.
 */
class ForkerPropertiesValidatorTests {

	private final ForkerPropertiesValidator validator = new ForkerPropertiesValidator(4);

	@Test
	void acceptsDefaults() {
		assertThatCode(() -> this.validator.validate(new ForkerProperties())).doesNotThrowAnyException();
	}

	@Test
	void rejectsZeroWorkers() {
		ForkerProperties properties = new ForkerProperties();
		properties.setWorkers(0);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(properties))
			.withMessage("forker.workers=0 is invalid: a master needs at least one worker")
			.satisfies((ex) -> org.assertj.core.api.Assertions.assertThat(ex.getAction())
				.isEqualTo("Set forker.workers to a number from 1 to 64, or remove it to start one worker per "
						+ "available processor (4)."));
	}

	@Test
	void rejectsAbsurdlyManyWorkers() {
		ForkerProperties properties = new ForkerProperties();
		properties.setWorkers(65);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(properties))
			.withMessageContaining("forker.workers=65 is invalid")
			.withMessageContaining("more than 64");
	}

	@Test
	void allowsAtLeastThirtyTwoWorkersOnSmallMachines() {
		ForkerProperties properties = new ForkerProperties();
		properties.setWorkers(32);
		assertThatCode(() -> new ForkerPropertiesValidator(1).validate(properties)).doesNotThrowAnyException();
	}

	@Test
	void rejectsNonPositiveDurations() {
		ForkerProperties properties = new ForkerProperties();
		properties.setShutdownTimeout(Duration.ZERO);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(properties))
			.withMessage("forker.shutdown-timeout=0s is invalid: it must be a positive duration");
		ForkerProperties negative = new ForkerProperties();
		negative.getRestart().setInitialBackoff(Duration.ofSeconds(-1));
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(negative))
			.withMessage("forker.restart.initial-backoff=-1s is invalid: it must be a positive duration");
		ForkerProperties checkTimeout = new ForkerProperties();
		checkTimeout.getUpgrade().setCheckTimeout(Duration.ZERO);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(checkTimeout))
			.withMessage("forker.upgrade.check-timeout=0s is invalid: it must be a positive duration");
	}

	@Test
	void rejectsAMaxBackoffBelowTheInitialBackoff() {
		ForkerProperties properties = new ForkerProperties();
		properties.getRestart().setInitialBackoff(Duration.ofSeconds(10));
		properties.getRestart().setMaxBackoff(Duration.ofSeconds(5));
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(properties))
			.withMessage(
					"forker.restart.max-backoff=5s is invalid: it is shorter than forker.restart.initial-backoff=10s");
	}

	@Test
	void rejectsNegativeMaxRestarts() {
		ForkerProperties properties = new ForkerProperties();
		properties.getRestart().setMaxRestarts(-1);
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> this.validator.validate(properties))
			.withMessageContaining("forker.restart.max-restarts=-1 is invalid");
	}

}
