package dev.forker.boot.launch;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

import dev.forker.boot.diagnostics.InvalidForkerPropertyException;

/**
 * A port the workers will serve, as the application's configuration gives it: the server
 * port, and the management port when it is separate. The master opens (shared mode) or
 * reserves (reuseport mode) each one before it starts any worker.
 *
 * @param property the property that configures the port
 * @param address the address to bind, or {@code null} for all addresses
 * @param port the configured port, {@code 0} for any free port
 * @since 0.1.0
 */
record PlannedPort(String property, @Nullable InetAddress address, int port) {

	static final String SERVER_PORT = "server.port";

	static final String MANAGEMENT_PORT = "management.server.port";

	private static final String MANAGEMENT_PORT_TYPE = "org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType";

	InetSocketAddress socketAddress() {
		return new InetSocketAddress(this.address, this.port);
	}

	/**
	 * Return the ports an application with this configuration serves.
	 * @param environment the application's environment
	 * @return the ports, the server port first
	 */
	static List<PlannedPort> of(Environment environment) {
		Binder binder = Binder.get(environment);
		List<PlannedPort> ports = new ArrayList<>();
		PlannedPort server = new PlannedPort(SERVER_PORT, binder.bind("server.address", InetAddress.class).orElse(null),
				checkPort(SERVER_PORT, binder.bind(SERVER_PORT, Integer.class).orElse(8080)));
		ports.add(server);
		if (hasSeparateManagementPort(environment)) {
			int port = checkPort(MANAGEMENT_PORT, binder.bind(MANAGEMENT_PORT, Integer.class).orElse(0));
			ports.add(new PlannedPort(MANAGEMENT_PORT,
					binder.bind("management.server.address", InetAddress.class).orElse(null), port));
		}
		return ports;
	}

	private static boolean hasSeparateManagementPort(Environment environment) {
		if (!ClassUtils.isPresent(MANAGEMENT_PORT_TYPE, PlannedPort.class.getClassLoader())) {
			return false;
		}
		return ManagementPorts.isDifferent(environment);
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
