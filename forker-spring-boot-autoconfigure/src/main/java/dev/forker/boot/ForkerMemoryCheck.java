package dev.forker.boot;

/**
 * What a master does when its workers may claim more memory than the deployment has: N
 * times each worker's maximum heap plus an estimate of each JVM's non-heap memory,
 * against the container's memory limit (else the physical memory).
 *
 * @since 0.1.0
 */
public enum ForkerMemoryCheck {

	/**
	 * Log a warning with the figures, where the heap option came from and the fix, and
	 * start.
	 */
	WARN,

	/**
	 * Refuse to start: nothing is started and the port is not taken.
	 */
	FAIL,

	/**
	 * Do not compare.
	 */
	OFF

}
