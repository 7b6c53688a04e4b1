package dev.forker.boot.worker;

/**
 * How a worker obtains the listening socket it accepts connections from.
 *
 * @since 0.1.0
 */
public enum WorkerSocketMode {

	/**
	 * The worker binds its own socket to the server port with {@code SO_REUSEPORT}.
	 */
	REUSEPORT,

	/**
	 * The worker accepts from the master's listening socket, inherited as its standard
	 * input (file descriptor 0), and never binds.
	 */
	INHERITED

}
