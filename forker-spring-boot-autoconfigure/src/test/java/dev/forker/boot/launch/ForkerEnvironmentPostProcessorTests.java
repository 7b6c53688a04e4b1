package dev.forker.boot.launch;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.mock.env.MockEnvironment;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for the defaults {@link ForkerEnvironmentPostProcessor} gives a worker.
 */
class ForkerEnvironmentPostProcessorTests {

	private static final WorkerEnvironment WORKER = new WorkerEnvironment(3, 4242, Path.of("/tmp/f/control.sock"),
			"token", WorkerSocketMode.INHERITED, List.of(new ServedPort("server.port", 8080, 3)), Duration.ofSeconds(2),
			null);

	@Test
	void eachWorkerIsAnOpenTelemetryInstanceOfItsOwn() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("management.opentelemetry.resource-attributes.deployment.environment", "test");
		ForkerEnvironmentPostProcessor.addDefaults(environment, WORKER);
		assertThat(resourceAttributes(environment)).containsEntry("deployment.environment", "test")
			.containsEntry("service.instance.id", ServiceInstanceId.hostName() + ":4242:3");
	}

	@Test
	void instanceIdOfTheApplicationWins() {
		MockEnvironment environment = new MockEnvironment()
			.withProperty("management.opentelemetry.resource-attributes[service.instance.id]", "mine");
		ForkerEnvironmentPostProcessor.addDefaults(environment, WORKER);
		assertThat(resourceAttributes(environment)).containsEntry("service.instance.id", "mine");
		MockEnvironment dotted = new MockEnvironment()
			.withProperty("management.opentelemetry.resource-attributes.service.instance.id", "dotted");
		ForkerEnvironmentPostProcessor.addDefaults(dotted, WORKER);
		assertThat(resourceAttributes(dotted)).containsEntry("service.instance.id", "dotted");
	}

	@Test
	void instanceIdOfTheEnvironmentVariableWins() {
		MockEnvironment environment = new MockEnvironment().withProperty("OTEL_RESOURCE_ATTRIBUTES",
				"service.name=shop, service.instance.id=pod-7");
		ForkerEnvironmentPostProcessor.addDefaults(environment, WORKER);
		assertThat(resourceAttributes(environment)).doesNotContainKey("service.instance.id");
		MockEnvironment other = new MockEnvironment().withProperty("OTEL_RESOURCE_ATTRIBUTES", "service.name=shop");
		ForkerEnvironmentPostProcessor.addDefaults(other, WORKER);
		assertThat(resourceAttributes(other)).containsKey("service.instance.id");
	}

	private static Map<String, String> resourceAttributes(MockEnvironment environment) {
		return Binder.get(environment)
			.bind("management.opentelemetry.resource-attributes", Bindable.mapOf(String.class, String.class))
			.orElse(Map.of());
	}

}
