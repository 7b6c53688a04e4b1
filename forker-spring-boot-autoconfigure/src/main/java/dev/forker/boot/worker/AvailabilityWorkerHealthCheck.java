package dev.forker.boot.worker;

import org.springframework.boot.availability.ApplicationAvailability;
import org.springframework.boot.availability.LivenessState;
import org.springframework.boot.availability.ReadinessState;

/**
 * A worker's health from Spring Boot's application availability, for applications without
 * Actuator's health endpoint.
 *
 * @since 0.1.0
 */
public class AvailabilityWorkerHealthCheck implements WorkerHealthCheck {

	private final ApplicationAvailability availability;

	/**
	 * Create a new instance.
	 * @param availability the application availability
	 */
	public AvailabilityWorkerHealthCheck(ApplicationAvailability availability) {
		this.availability = availability;
	}

	@Override
	public String check() {
		if (this.availability.getLivenessState() == LivenessState.BROKEN) {
			return "DOWN";
		}
		if (this.availability.getReadinessState() == ReadinessState.REFUSING_TRAFFIC) {
			return "OUT_OF_SERVICE";
		}
		return "UP";
	}

}
