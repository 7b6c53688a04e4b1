package dev.forker.boot.control;

import java.util.ArrayList;
import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * A port that every worker serves: the server port, the management port or the gRPC port.
 * The master resolves it (a configured {@code 0} becomes the port it bound) and, in
 * shared mode, passes the listening socket it opened as an inherited file descriptor.
 *
 * @param property the property that configures the port, such as {@code server.port}
 * @param port the port
 * @param fd the file descriptor of the inherited listening socket in the worker, or
 * {@code null} when the worker binds the port itself with {@code SO_REUSEPORT}
 * @since 0.1.0
 */
public record ServedPort(String property, int port, @Nullable Integer fd) {

	/**
	 * Return the value of an environment variable that lists ports.
	 * @param ports the ports
	 * @return the value, such as {@code server.port=8080@3,management.server.port=8081@4}
	 */
	public static String format(List<ServedPort> ports) {
		List<String> entries = new ArrayList<>();
		for (ServedPort port : ports) {
			entries.add(port.property() + "=" + port.port() + ((port.fd() != null) ? "@" + port.fd() : ""));
		}
		return String.join(",", entries);
	}

	/**
	 * Parse the value of an environment variable that lists ports.
	 * @param value the value
	 * @return the ports
	 * @throws IllegalArgumentException if the value is malformed
	 */
	public static List<ServedPort> parse(String value) {
		List<ServedPort> ports = new ArrayList<>();
		for (String entry : value.split(",")) {
			if (entry.isBlank()) {
				continue;
			}
			int equals = entry.indexOf('=');
			if (equals <= 0) {
				throw new IllegalArgumentException("Malformed served port '" + entry + "'");
			}
			String property = entry.substring(0, equals);
			String rest = entry.substring(equals + 1);
			int at = rest.indexOf('@');
			int port = Integer.parseInt((at < 0) ? rest : rest.substring(0, at));
			Integer fd = (at < 0) ? null : Integer.valueOf(rest.substring(at + 1));
			ports.add(new ServedPort(property, port, fd));
		}
		return ports;
	}

}
