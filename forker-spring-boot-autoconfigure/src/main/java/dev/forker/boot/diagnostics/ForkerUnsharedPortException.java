package dev.forker.boot.diagnostics;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ServedPort;

/**
 * Thrown in a worker when one of its servers would listen on a port that the master does
 * not share: every worker would bind it on its own, and all but the first would fail.
 *
 * @since 0.1.0
 */
public class ForkerUnsharedPortException extends RuntimeException {

	private final int port;

	private final String sharedPorts;

	/**
	 * Create a new instance.
	 * @param port the port
	 * @param address the address, or {@code null} for all addresses
	 * @param shared the ports the master shares
	 */
	public ForkerUnsharedPortException(int port, @Nullable InetAddress address, List<ServedPort> shared) {
		super("forker cannot share port " + port + ((address != null) ? " on " + address.getHostAddress() : "")
				+ ": a server of this application listens on it, but it is not one of the ports the master opened "
				+ "for its workers (" + describe(shared) + ")");
		this.port = port;
		this.sharedPorts = describe(shared);
	}

	private static String describe(List<ServedPort> shared) {
		return shared.stream().map((port) -> port.property() + "=" + port.port()).collect(Collectors.joining(", "));
	}

	public int getPort() {
		return this.port;
	}

	public String getSharedPorts() {
		return this.sharedPorts;
	}

}
