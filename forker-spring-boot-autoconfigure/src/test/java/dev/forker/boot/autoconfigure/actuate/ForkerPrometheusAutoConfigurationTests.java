package dev.forker.boot.autoconfigure.actuate;

import java.lang.reflect.Field;
import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusScrapeEndpoint;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ReflectionUtils;

import dev.forker.boot.actuate.WorkerTagMeterFilter;
import dev.forker.boot.autoconfigure.ForkerAutoConfiguration;
import dev.forker.boot.metrics.AggregatingPrometheusRegistry;
import dev.forker.boot.metrics.WorkerMetricsServer;
import dev.forker.boot.worker.FakeMaster;
import dev.forker.boot.worker.WorkerAgent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ForkerPrometheusAutoConfiguration} and the worker tag of
 * {@link ForkerActuatorAutoConfiguration}.
 */
class ForkerPrometheusAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ForkerAutoConfiguration.class, ForkerActuatorAutoConfiguration.class,
				ForkerPrometheusAutoConfiguration.class, EndpointAutoConfiguration.class,
				MetricsAutoConfiguration.class, PrometheusMetricsExportAutoConfiguration.class))
		.withPropertyValues("forker.enabled=true", "management.endpoints.web.exposure.include=prometheus");

	private FakeMaster master;

	private WorkerAgent agent;

	@BeforeEach
	void connect() throws Exception {
		this.master = FakeMaster.start(2);
		this.agent = this.master.connect(() -> {
		});
	}

	@AfterEach
	void disconnect() throws Exception {
		this.agent.close();
		this.master.close();
	}

	@Test
	void prometheusEndpointOfAWorkerScrapesEveryWorker() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withPropertyValues("forker.metrics.scrape-timeout=250ms")
			.run((context) -> {
				assertThat(context).hasSingleBean(PrometheusScrapeEndpoint.class)
					.hasBean("forkerPrometheusEndpoint")
					.hasSingleBean(WorkerMetricsServer.class);
				PrometheusRegistry scraped = scrapedRegistry(context.getBean(PrometheusScrapeEndpoint.class));
				assertThat(scraped).isInstanceOf(AggregatingPrometheusRegistry.class);
				assertThat(scraped).hasFieldOrPropertyWithValue("timeout", Duration.ofMillis(250));
				assertThat(context.getBean(WorkerMetricsServer.class).getSocket())
					.isEqualTo(this.agent.getEnvironment().metricsSocket(ProcessHandle.current().pid()))
					.exists();
			});
	}

	@Test
	void aggregationCanBeTurnedOff() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withPropertyValues("forker.metrics.aggregate=false")
			.run((context) -> {
				assertThat(context).hasSingleBean(PrometheusScrapeEndpoint.class)
					.doesNotHaveBean("forkerPrometheusEndpoint")
					.doesNotHaveBean(WorkerMetricsServer.class);
				assertThat(scrapedRegistry(context.getBean(PrometheusScrapeEndpoint.class)))
					.isSameAs(context.getBean(PrometheusRegistry.class));
			});
	}

	@Test
	void nothingWhenTheEndpointIsNotExposed() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(PrometheusScrapeEndpoint.class)
				.doesNotHaveBean(WorkerMetricsServer.class));
	}

	@Test
	void nothingOutsideAWorker() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(PrometheusScrapeEndpoint.class)
			.doesNotHaveBean("forkerPrometheusEndpoint")
			.doesNotHaveBean(WorkerMetricsServer.class));
	}

	@Test
	void backsOffFromAnEndpointOfTheApplicationsOwn() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withUserConfiguration(OwnEndpointConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(PrometheusScrapeEndpoint.class)
				.hasBean("ownPrometheusEndpoint"));
	}

	@Test
	void workerStartsWithoutThePrometheusRegistry() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withClassLoader(new FilteredClassLoader(PrometheusMeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(PrometheusScrapeEndpoint.class)
				.doesNotHaveBean(WorkerMetricsServer.class));
	}

	@Test
	void workerTagIsOptIn() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> assertThat(context).doesNotHaveBean(WorkerTagMeterFilter.class));
	}

	@Test
	void workerTagGoesOnEveryMeterButForkersOwn() {
		this.contextRunner.withBean(WorkerAgent.class, () -> this.agent)
			.withPropertyValues("forker.metrics.worker-tag=true")
			.run((context) -> {
				assertThat(context).hasSingleBean(WorkerTagMeterFilter.class);
				MeterRegistry registry = context.getBean(PrometheusMeterRegistry.class);
				assertThat(registry.counter("orders").getId().getTag("worker")).isEqualTo("1");
				assertThat(registry.counter("billing", "worker", "batch").getId().getTag("worker")).isEqualTo("batch");
				assertThat(registry.counter("forker.custom").getId().getTag("worker")).isNull();
			});
	}

	private static PrometheusRegistry scrapedRegistry(PrometheusScrapeEndpoint endpoint) {
		Field field = ReflectionUtils.findField(PrometheusScrapeEndpoint.class, "prometheusRegistry");
		ReflectionUtils.makeAccessible(field);
		return (PrometheusRegistry) ReflectionUtils.getField(field, endpoint);
	}

	@Configuration(proxyBeanMethods = false)
	static class OwnEndpointConfiguration {

		@Bean
		PrometheusScrapeEndpoint ownPrometheusEndpoint(PrometheusRegistry registry) {
			return new PrometheusScrapeEndpoint(registry, null);
		}

	}

}
