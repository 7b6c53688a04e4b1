package dev.forker.boot.control;

import java.util.Locale;

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
	 * Serving requests and sending heartbeats.
	 */
	READY,

	/**
	 * Missed its heartbeats or its startup deadline: being dumped and killed.
	 */
	UNRESPONSIVE,

	/**
	 * Asked to stop, not yet gone.
	 */
	STOPPING;

	/**
	 * Return the name shown in status and metrics.
	 * @return the lower-case name
	 */
	public String displayName() {
		return name().toLowerCase(Locale.ROOT);
	}

}
