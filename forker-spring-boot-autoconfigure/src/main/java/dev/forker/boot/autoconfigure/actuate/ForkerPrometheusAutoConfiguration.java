package dev.forker.boot.autoconfigure.actuate;

import io.micrometer.core.instrument.Clock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.ConditionalOnEnabledMetricsExport;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.context.annotation.Bean;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.autoconfigure.ForkerAutoConfiguration;
import dev.forker.boot.metrics.AggregatingPrometheusRegistry;
import dev.forker.boot.metrics.WorkerMetricsServer;
import dev.forker.boot.worker.WorkerAgent;

/**
 * Auto-configuration of one Prometheus scrape of every worker: in a worker, Spring Boot's
 * Prometheus endpoint ({@code /actuator/prometheus}, on the server port or the management
 * port) writes the series of every ready worker, each with a {@code worker} label, and
 * the worker serves its own series to the others. It applies where Spring Boot's
 * Prometheus endpoint does, and backs off with {@code forker.metrics.aggregate=false} or
 * a {@link PrometheusScrapeEndpoint} of the application's own.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = { ForkerAutoConfiguration.class, MetricsAutoConfiguration.class },
		before = PrometheusMetricsExportAutoConfiguration.class)
@ConditionalOnClass({ PrometheusMeterRegistry.class, PrometheusScrapeEndpoint.class,
		ConditionalOnAvailableEndpoint.class })
@ConditionalOnBooleanProperty("forker.enabled")
@ConditionalOnBooleanProperty(name = "forker.metrics.aggregate", matchIfMissing = true)
@ConditionalOnBean({ WorkerAgent.class, Clock.class })
@ConditionalOnEnabledMetricsExport("prometheus")
@ConditionalOnAvailableEndpoint(PrometheusScrapeEndpoint.class)
public final class ForkerPrometheusAutoConfiguration {

	ForkerPrometheusAutoConfiguration() {
	}

	@Bean
	@ConditionalOnMissingBean
	PrometheusScrapeEndpoint forkerPrometheusEndpoint(PrometheusRegistry prometheusRegistry,
			PrometheusConfig prometheusConfig, WorkerAgent workerAgent, ForkerProperties properties) {
		AggregatingPrometheusRegistry allWorkers = new AggregatingPrometheusRegistry(prometheusRegistry, workerAgent,
				properties.getMetrics().getScrapeTimeout());
		return new PrometheusScrapeEndpoint(allWorkers, prometheusConfig.prometheusProperties());
	}

	@Bean
	@ConditionalOnMissingBean
	WorkerMetricsServer forkerWorkerMetricsServer(PrometheusRegistry prometheusRegistry, WorkerAgent workerAgent) {
		return new WorkerMetricsServer(workerAgent.getEnvironment().metricsSocket(ProcessHandle.current().pid()),
				prometheusRegistry::scrape);
	}

}
