package dev.forker.boot.autoconfigure.actuate;

import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.health.registry.ReactiveHealthContributorRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.actuate.ForkerEndpoint;
import dev.forker.boot.actuate.ForkerEndpointWebExtension;
import dev.forker.boot.actuate.ForkerHealthIndicator;
import dev.forker.boot.actuate.ForkerMetrics;
import dev.forker.boot.actuate.HealthEndpointWorkerHealthCheck;
import dev.forker.boot.actuate.WorkerTagMeterFilter;
import dev.forker.boot.autoconfigure.ForkerAutoConfiguration;
import dev.forker.boot.worker.WorkerAgent;
import dev.forker.boot.worker.WorkerHealthCheck;

/**
 * Auto-configuration of forker's Actuator support in a worker: the {@code forker}
 * endpoint (with its web extension, which answers 503 while the master replaces itself in
 * place), the {@code forker} health component, Micrometer meters (and, with
 * {@code forker.metrics.worker-tag=true}, a {@code worker} tag on every meter), and a
 * worker health check based on the health endpoint for the heartbeats.
 *
 * @since 0.1.0
 */
// By name: applications without Actuator do not have the class
@AutoConfiguration(after = ForkerAutoConfiguration.class,
		afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration")
@ConditionalOnBooleanProperty("forker.enabled")
@ConditionalOnBean(WorkerAgent.class)
public final class ForkerActuatorAutoConfiguration {

	ForkerActuatorAutoConfiguration() {
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(Endpoint.class)
	@ConditionalOnAvailableEndpoint(ForkerEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ForkerEndpoint forkerEndpoint(WorkerAgent workerAgent, ForkerProperties properties) {
			return new ForkerEndpoint(workerAgent, properties.getUpgrade().getCheckTimeout());
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnBean(ForkerEndpoint.class)
		@ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
		ForkerEndpointWebExtension forkerEndpointWebExtension(ForkerEndpoint forkerEndpoint) {
			return new ForkerEndpointWebExtension(forkerEndpoint);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthIndicator.class)
	@ConditionalOnEnabledHealthIndicator("forker")
	static class HealthIndicatorConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "forkerHealthIndicator")
		ForkerHealthIndicator forkerHealthIndicator(WorkerAgent workerAgent, ForkerProperties properties) {
			return new ForkerHealthIndicator(workerAgent, properties.getHealth().getMinReadyWorkers());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(HealthEndpoint.class)
	@ConditionalOnBean({ HealthEndpoint.class, HealthContributorRegistry.class })
	static class WorkerHealthCheckConfiguration {

		@Bean
		@ConditionalOnMissingBean
		WorkerHealthCheck healthEndpointWorkerHealthCheck(HealthEndpoint healthEndpoint,
				HealthContributorRegistry registry,
				ObjectProvider<ReactiveHealthContributorRegistry> reactiveRegistry) {
			return new HealthEndpointWorkerHealthCheck(healthEndpoint, registry, reactiveRegistry.getIfAvailable());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ForkerMetrics forkerMetrics(WorkerAgent workerAgent) {
			return new ForkerMetrics(workerAgent);
		}

		@Configuration(proxyBeanMethods = false)
		@ConditionalOnBooleanProperty("forker.metrics.worker-tag")
		static class WorkerTagConfiguration {

			@Bean
			@ConditionalOnMissingBean
			WorkerTagMeterFilter forkerWorkerTagMeterFilter(WorkerAgent workerAgent) {
				return new WorkerTagMeterFilter(workerAgent.getEnvironment().workerId());
			}

		}

	}

}
