package dev.forker.boot.master;

/**
 * The listening sockets a master holds for its workers.
 *
 * @since 0.1.0
 */
public interface MasterListeners {

	/**
	 * Listeners of a master that opens no socket for its workers.
	 */
	MasterListeners NONE = () -> {
	};

	/**
	 * Stop accepting connections on the shared sockets, for every worker, before a full
	 * stop: new connections are refused at once rather than left waiting in a queue that
	 * no worker serves any more.
	 */
	void stopAccepting();

}
