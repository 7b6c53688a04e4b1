package dev.forker.boot.ports;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.mock.env.MockEnvironment;

import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link PlannedPort}: which ports the master opens for an application. Spring
 * Boot's gRPC server and grpc-java's Netty server are on this module's test class path,
 * grpc-servlet-jakarta is not.
 */
class PlannedPortTests {

	private final MockEnvironment environment = new MockEnvironment();

	@Test
	void webApplicationWithGrpcServesBothPorts() {
		this.environment.setProperty("server.port", "8081");
		this.environment.setProperty("spring.grpc.server.port", "9191");
		assertThat(properties(PlannedPort.of(this.environment, WebApplicationType.REACTIVE)))
			.containsExactly("server.port=8081", "spring.grpc.server.port=9191");
	}

	@Test
	void grpcServerListensOn9090ByDefault() {
		assertThat(properties(PlannedPort.of(this.environment, WebApplicationType.NONE)))
			.containsExactly("spring.grpc.server.port=9090");
	}

	@Test
	void applicationThatIsNoWebApplicationHasNoServerPort() {
		this.environment.setProperty("spring.main.web-application-type", "none");
		this.environment.setProperty("spring.grpc.server.port", "0");
		assertThat(properties(PlannedPort.of(this.environment, WebApplicationType.SERVLET)))
			.containsExactly("spring.grpc.server.port=0");
	}

	@Test
	void grpcServerThatIsOffHasNoPort() {
		this.environment.setProperty("spring.grpc.server.enabled", "false");
		assertThat(properties(PlannedPort.of(this.environment, WebApplicationType.SERVLET)))
			.containsExactly("server.port=8080");
		this.environment.setProperty("spring.grpc.server.enabled", "true");
		this.environment.setProperty("spring.grpc.server.factory.enabled", "false");
		assertThat(properties(PlannedPort.of(this.environment, WebApplicationType.SERVLET)))
			.containsExactly("server.port=8080");
	}

	@Test
	void applicationThatServesNoPortIsRefused() {
		this.environment.setProperty("spring.grpc.server.enabled", "false");
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> PlannedPort.of(this.environment, WebApplicationType.NONE))
			.withMessageContaining("serves no port");
	}

	@Test
	void grpcOnAUnixDomainSocketIsRefused() {
		this.environment.setProperty("spring.grpc.server.netty.domain-socket-path", "/tmp/app.sock");
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> PlannedPort.of(this.environment, WebApplicationType.NONE))
			.withMessageContaining("spring.grpc.server.netty.domain-socket-path=/tmp/app.sock")
			.withMessageContaining("cannot share a Unix domain socket");
		MockEnvironment transport = new MockEnvironment();
		transport.setProperty("spring.grpc.server.netty.transport", "domain-socket");
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> PlannedPort.of(transport, WebApplicationType.NONE))
			.withMessageContaining("spring.grpc.server.netty.transport=domain-socket");
	}

	@Test
	void invalidGrpcPortIsRefused() {
		this.environment.setProperty("spring.grpc.server.port", "70000");
		assertThatExceptionOfType(InvalidForkerPropertyException.class)
			.isThrownBy(() -> PlannedPort.of(this.environment, WebApplicationType.NONE))
			.withMessageContaining("spring.grpc.server.port=70000");
	}

	private static List<String> properties(List<PlannedPort> ports) {
		return ports.stream().map((port) -> port.property() + "=" + port.port()).toList();
	}

}
