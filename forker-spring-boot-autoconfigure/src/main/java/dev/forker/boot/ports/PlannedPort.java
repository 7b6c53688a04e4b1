package dev.forker.boot.ports;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

/**
 * A port the workers will serve, as the application's configuration gives it: the server
 * port of a web application, the management port when it is separate, and the port of
 * Spring Boot's gRPC server when grpc-java's Netty server runs it. The master opens
 * (shared mode) or reserves (reuseport mode) each one before it starts any worker.
 *
 * @param property the property that configures the port
 * @param address the address to bind, or {@code null} for all addresses
 * @param port the configured port, {@code 0} for any free port
 * @since 0.1.0
 */
public record PlannedPort(String property, @Nullable InetAddress address, int port) {

	public static final String SERVER_PORT = "server.port";

	static final String MANAGEMENT_PORT = "management.server.port";

	static final String GRPC_PORT = "spring.grpc.server.port";

	private static final String MANAGEMENT_PORT_TYPE = "org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType";

	private static final String GRPC_SERVER_AUTO_CONFIGURATION = "org.springframework.boot.grpc.server.autoconfigure.GrpcServerAutoConfiguration";

	private static final List<String> GRPC_NETTY_SERVER_BUILDERS = List.of("io.grpc.netty.NettyServerBuilder",
			"io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder");

	private static final String GRPC_SERVLET = "io.grpc.servlet.jakarta.GrpcServlet";

	/**
	 * The port Spring Boot's gRPC server listens on when none is configured.
	 */
	private static final int GRPC_DEFAULT_PORT = 9090;

	InetSocketAddress socketAddress() {
		return new InetSocketAddress(this.address, this.port);
	}

	/**
	 * Return the ports an application with this configuration serves.
	 * @param environment the application's environment
	 * @param webApplicationType the type of web application, as Spring Boot deduced it
	 * from the class path
	 * @return the ports, the server port first
	 * @throws InvalidForkerPropertyException if the application serves no port, or one
	 * that workers cannot share
	 */
	public static List<PlannedPort> of(Environment environment, WebApplicationType webApplicationType) {
		Binder binder = Binder.get(environment);
		WebApplicationType type = binder.bind("spring.main.web-application-type", WebApplicationType.class)
			.orElse(webApplicationType);
		List<PlannedPort> ports = new ArrayList<>();
		if (type != WebApplicationType.NONE) {
			ports.add(new PlannedPort(SERVER_PORT, binder.bind("server.address", InetAddress.class).orElse(null),
					checkPort(SERVER_PORT, binder.bind(SERVER_PORT, Integer.class).orElse(8080))));
			if (hasSeparateManagementPort(environment)) {
				int port = checkPort(MANAGEMENT_PORT, binder.bind(MANAGEMENT_PORT, Integer.class).orElse(0));
				ports.add(new PlannedPort(MANAGEMENT_PORT,
						binder.bind("management.server.address", InetAddress.class).orElse(null), port));
			}
		}
		PlannedPort grpc = grpcPort(binder, type);
		if (grpc != null) {
			ports.add(grpc);
		}
		if (ports.isEmpty()) {
			throw new InvalidForkerPropertyException("forker.enabled", true,
					"this application serves no port: it is no web application (spring.main.web-application-type="
							+ type.name().toLowerCase(Locale.ROOT) + ") and runs no gRPC server",
					"Prefork mode is for servers: set forker.enabled=false, or serve HTTP (a web starter) or gRPC "
							+ "(spring-boot-starter-grpc-server).");
		}
		return ports;
	}

	private static boolean hasSeparateManagementPort(Environment environment) {
		if (!isPresent(MANAGEMENT_PORT_TYPE)) {
			return false;
		}
		return ManagementPorts.isDifferent(environment);
	}

	/**
	 * Return the port of Spring Boot's gRPC server, when it runs on grpc-java's Netty
	 * server: not when gRPC is served by the servlet container on the server port, as
	 * Spring Boot prefers in a servlet web application with grpc-servlet-jakarta.
	 */
	private static @Nullable PlannedPort grpcPort(Binder binder, WebApplicationType type) {
		if (!isPresent(GRPC_SERVER_AUTO_CONFIGURATION)
				|| GRPC_NETTY_SERVER_BUILDERS.stream().noneMatch(PlannedPort::isPresent)) {
			return null;
		}
		if (!isTrue(binder, "spring.grpc.server.enabled") || !isTrue(binder, "spring.grpc.server.factory.enabled")) {
			return null;
		}
		if (type == WebApplicationType.SERVLET && isPresent(GRPC_SERVLET)
				&& isTrue(binder, "spring.grpc.server.servlet.enabled")) {
			return null;
		}
		InetAddress address = binder.bind("spring.grpc.server.address", InetAddress.class).orElse(null);
		Integer port = binder.bind(GRPC_PORT, Integer.class).orElse(null);
		String socketPath = binder.bind("spring.grpc.server.netty.domain-socket-path", String.class).orElse(null);
		String transport = binder.bind("spring.grpc.server.netty.transport", String.class).orElse(null);
		boolean domainSocketTransport = transport != null
				&& transport.replaceAll("[-_]", "").equalsIgnoreCase("domainsocket");
		if (domainSocketTransport || (transport == null && socketPath != null && port == null && address == null)) {
			throw new InvalidForkerPropertyException(
					domainSocketTransport ? "spring.grpc.server.netty.transport"
							: "spring.grpc.server.netty.domain-socket-path",
					domainSocketTransport ? transport : socketPath,
					"forker's workers cannot share a Unix domain socket",
					"Serve gRPC over TCP (spring.grpc.server.port, without spring.grpc.server.netty.domain-socket-path "
							+ "and transport=domain-socket), or run the application as one process "
							+ "(forker.enabled=false).");
		}
		return new PlannedPort(GRPC_PORT, address, checkPort(GRPC_PORT, (port != null) ? port : GRPC_DEFAULT_PORT));
	}

	private static boolean isTrue(Binder binder, String property) {
		return binder.bind(property, Boolean.class).orElse(true);
	}

	private static boolean isPresent(String className) {
		return ClassUtils.isPresent(className, PlannedPort.class.getClassLoader());
	}

	private static int checkPort(String property, int port) {
		if (port < 0 || port > 65535) {
			throw new InvalidForkerPropertyException(property, port, "it is not a TCP port",
					"Set " + property + " to a port from 1 to 65535, or to 0 for a free port chosen at start.");
		}
		return port;
	}

	/**
	 * Reads Actuator's management port type, in a class of its own so that it is only
	 * loaded when Actuator is present.
	 */
	private static final class ManagementPorts {

		static boolean isDifferent(Environment environment) {
			return org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType.get(
					environment) == org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType.DIFFERENT;
		}

	}

}
