package dev.forker.boot.autoconfigure.actuate;

import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.InvocationContext;
import org.springframework.boot.actuate.endpoint.OperationType;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.web.ExposableWebEndpoint;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.WebEndpointsSupplier;
import org.springframework.boot.actuate.endpoint.web.WebOperation;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

import dev.forker.boot.actuate.ForkerEndpoint;
import dev.forker.boot.actuate.ForkerEndpointWebExtension;
import dev.forker.boot.actuate.ForkerHealthIndicator;
import dev.forker.boot.actuate.ForkerMetrics;
import dev.forker.boot.autoconfigure.ForkerAutoConfiguration;
import dev.forker.boot.worker.FakeMaster;
import dev.forker.boot.worker.WorkerAgent;
import dev.forker.boot.worker.WorkerReporter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ForkerActuatorAutoConfiguration}.
 */
class ForkerActuatorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ForkerAutoConfiguration.class, ForkerActuatorAutoConfiguration.class));

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
	void providesEndpointHealthAndMetricsInAWorker() {
		this.contextRunner.withPropertyValues("forker.enabled=true", "management.endpoints.web.exposure.include=forker")
			.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> {
				assertThat(context).hasSingleBean(ForkerEndpoint.class);
				assertThat(context).hasSingleBean(ForkerEndpointWebExtension.class);
				assertThat(context).hasSingleBean(ForkerHealthIndicator.class);
				assertThat(context).hasSingleBean(ForkerMetrics.class);
				assertThat(context).hasSingleBean(WorkerReporter.class);
			});
	}

	@Test
	void endpointNeedsToBeExposed() {
		this.contextRunner.withPropertyValues("forker.enabled=true")
			.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> assertThat(context).doesNotHaveBean(ForkerEndpoint.class));
	}

	@Test
	void webExtensionAnswersTheEndpointsReadOperationsOverTheWeb() {
		new WebApplicationContextRunner()
			.withConfiguration(
					AutoConfigurations.of(EndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
							ForkerAutoConfiguration.class, ForkerActuatorAutoConfiguration.class))
			.withPropertyValues("forker.enabled=true", "management.endpoints.web.exposure.include=forker",
					"management.endpoint.forker.access=UNRESTRICTED")
			.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> {
				ExposableWebEndpoint endpoint = context.getBean(WebEndpointsSupplier.class)
					.getEndpoints()
					.stream()
					.filter((candidate) -> candidate.getEndpointId().equals(EndpointId.of("forker")))
					.findFirst()
					.orElseThrow();
				// The extension's two read operations in place of the endpoint's, and its
				// write
				assertThat(endpoint.getOperations()).hasSize(3);
				WebOperation status = endpoint.getOperations()
					.stream()
					.filter((operation) -> operation.getRequestPredicate().getPath().equals("forker")
							&& operation.getType() == OperationType.READ)
					.findFirst()
					.orElseThrow();
				Object response = status.invoke(new InvocationContext(SecurityContext.NONE, Map.of()));
				assertThat(response).isInstanceOfSatisfying(WebEndpointResponse.class, (web) -> {
					assertThat(web.getStatus()).isEqualTo(200);
					assertThat(web.getBody()).isEqualTo(FakeMaster.status());
				});
			});
	}

	@Test
	void webExtensionOnlyWhenTheEndpointIsExposedOverTheWeb() {
		this.contextRunner
			.withPropertyValues("forker.enabled=true", "spring.jmx.enabled=true",
					"management.endpoints.jmx.exposure.include=forker")
			.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> {
				assertThat(context).hasSingleBean(ForkerEndpoint.class);
				assertThat(context).doesNotHaveBean(ForkerEndpointWebExtension.class);
			});
	}

	@Test
	void healthIndicatorCanBeDisabled() {
		this.contextRunner.withPropertyValues("forker.enabled=true", "management.health.forker.enabled=false")
			.withBean(WorkerAgent.class, () -> this.agent)
			.run((context) -> assertThat(context).doesNotHaveBean(ForkerHealthIndicator.class));
	}

	@Test
	void ordersAfterActuatorByNameSoThatApplicationsWithoutActuatorReadItsAnnotation() {
		// A class reference to an absent class makes Spring log "Failed to introspect
		// meta-annotation @AutoConfiguration" at WARN in every worker without Actuator
		AutoConfiguration annotation = ForkerActuatorAutoConfiguration.class.getAnnotation(AutoConfiguration.class);
		assertThat(annotation.after()).allSatisfy((type) -> assertThat(type.getName()).startsWith("dev.forker."));
		assertThat(annotation.before()).allSatisfy((type) -> assertThat(type.getName()).startsWith("dev.forker."));
		assertThat(annotation.afterName())
			.contains("org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration");
	}

	@Test
	void nothingOutsideAWorker() {
		this.contextRunner.withPropertyValues("forker.enabled=true", "management.endpoints.web.exposure.include=forker")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(ForkerEndpoint.class);
				assertThat(context).doesNotHaveBean(ForkerHealthIndicator.class);
				assertThat(context).doesNotHaveBean(ForkerMetrics.class);
			});
	}

}
