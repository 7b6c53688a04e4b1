package dev.forker.boot.worker;

/**
 * Evaluates a worker's own health for its heartbeats.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface WorkerHealthCheck {

	/**
	 * Evaluate the health of this worker. May take time; it is called on a thread of its
	 * own, never on the heartbeat thread.
	 * @return a health status code such as {@code UP} or {@code DOWN}
	 */
	String check();

}
