package dev.forker.boot.actuate;

import java.util.LinkedHashSet;
import java.util.Set;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.health.registry.ReactiveHealthContributorRegistry;

import dev.forker.boot.worker.WorkerHealthCheck;

/**
 * A worker's own health from Actuator's health endpoint: every health component but
 * {@code forker}, which is about all workers rather than this one.
 *
 * @since 0.1.0
 */
public class HealthEndpointWorkerHealthCheck implements WorkerHealthCheck {

	private final HealthEndpoint endpoint;

	private final HealthContributorRegistry registry;

	private final @Nullable ReactiveHealthContributorRegistry reactiveRegistry;

	/**
	 * Create a new instance.
	 * @param endpoint the health endpoint
	 * @param registry the health contributors
	 * @param reactiveRegistry the reactive health contributors, if any
	 */
	public HealthEndpointWorkerHealthCheck(HealthEndpoint endpoint, HealthContributorRegistry registry,
			@Nullable ReactiveHealthContributorRegistry reactiveRegistry) {
		this.endpoint = endpoint;
		this.registry = registry;
		this.reactiveRegistry = reactiveRegistry;
	}

	@Override
	public String check() {
		Set<Status> statuses = new LinkedHashSet<>();
		Stream<String> names = this.registry.stream().map((entry) -> entry.name());
		if (this.reactiveRegistry != null) {
			names = Stream.concat(names, this.reactiveRegistry.stream().map((entry) -> entry.name()));
		}
		names.distinct().filter((name) -> !name.equals("forker")).forEach((name) -> {
			HealthDescriptor health = this.endpoint.healthForPath(name);
			if (health != null) {
				statuses.add(health.getStatus());
			}
		});
		return statuses.isEmpty() ? Status.UP.getCode()
				: StatusAggregator.getDefault().getAggregateStatus(statuses).getCode();
	}

}
