package dev.forker.boot.control;

/**
 * How a worker obtains the listening sockets it accepts connections from.
 *
 * @since 0.1.0
 */
public enum WorkerSocketMode {

	/**
	 * The worker binds its own sockets to the ports with {@code SO_REUSEPORT}.
	 */
	REUSEPORT,

	/**
	 * The worker accepts from the master's listening sockets, inherited as file
	 * descriptors, and never binds.
	 */
	INHERITED

}
