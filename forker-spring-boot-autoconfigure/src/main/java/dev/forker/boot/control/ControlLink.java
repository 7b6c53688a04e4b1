package dev.forker.boot.control;

/**
 * The master's end of one connection on its control channel. A connection is anonymous
 * until the master accepts the worker's introduction.
 *
 * @since 0.1.0
 */
public interface ControlLink {

	/**
	 * Send a message to the peer. A peer that does not read is disconnected.
	 * @param message the message
	 */
	void send(ControlMessage message);

	/**
	 * Mark this connection as belonging to a worker that introduced itself with the right
	 * token: it is no longer subject to the limits of anonymous connections.
	 * @param name the name of the worker, for logs
	 */
	void introduced(String name);

	/**
	 * Close the connection.
	 */
	void close();

}
