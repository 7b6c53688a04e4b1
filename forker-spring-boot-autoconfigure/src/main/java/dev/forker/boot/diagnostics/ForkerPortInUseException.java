package dev.forker.boot.diagnostics;

import java.net.InetSocketAddress;

/**
 * Thrown when the forker master finds a port it should open for its workers already taken
 * by another process.
 *
 * @since 0.1.0
 */
public class ForkerPortInUseException extends RuntimeException {

	private final String property;

	private final InetSocketAddress address;

	/**
	 * Create a new instance.
	 * @param property the property that configures the port, such as {@code server.port}
	 * @param address the address and port that could not be bound
	 * @param cause the bind failure
	 */
	public ForkerPortInUseException(String property, InetSocketAddress address, Throwable cause) {
		super("Port " + address.getPort() + " on " + describe(address) + " is already in use", cause);
		this.property = property;
		this.address = address;
	}

	public String getProperty() {
		return this.property;
	}

	public InetSocketAddress getAddress() {
		return this.address;
	}

	public int getPort() {
		return this.address.getPort();
	}

	private static String describe(InetSocketAddress address) {
		return address.getAddress().isAnyLocalAddress() ? "all addresses" : address.getAddress().getHostAddress();
	}

}
