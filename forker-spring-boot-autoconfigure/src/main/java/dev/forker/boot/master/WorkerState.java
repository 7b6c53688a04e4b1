package dev.forker.boot.master;

/**
 * The state of a worker process, as its master sees it.
 *
 * @since 0.1.0
 */
public enum WorkerState {

	/**
	 * Started, not yet serving.
	 */
	STARTING,

	/**
	 * Serving requests.
	 */
	READY,

	/**
	 * Asked to stop, not yet gone.
	 */
	STOPPING

}
