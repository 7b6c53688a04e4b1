package dev.forker.boot;

/**
 * How the workers of a forker master share the server port.
 *
 * @since 0.1.0
 */
public enum ForkerMode {

	/**
	 * Every worker binds its own listening socket with {@code SO_REUSEPORT}; the kernel
	 * spreads new connections over the workers.
	 */
	REUSEPORT,

	/**
	 * The master opens one listening socket and passes it to every worker, which all
	 * accept from it; the socket outlives any worker.
	 */
	SHARED

}
