package dev.forker.boot.diagnostics;

import java.net.InetSocketAddress;

/**
 * Thrown when the forker master finds the server port already taken by another process.
 *
 * @since 0.1.0
 */
public class ForkerPortInUseException extends RuntimeException {

	private final InetSocketAddress address;

	/**
	 * Create a new instance.
	 * @param address the address and port that could not be bound
	 * @param cause the bind failure
	 */
	public ForkerPortInUseException(InetSocketAddress address, Throwable cause) {
		super("Port " + address.getPort() + " on " + describe(address) + " is already in use", cause);
		this.address = address;
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
