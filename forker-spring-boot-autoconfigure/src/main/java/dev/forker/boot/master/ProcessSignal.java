package dev.forker.boot.master;

/**
 * The signals a master sends to its workers.
 *
 * @since 0.1.0
 */
public enum ProcessSignal {

	/**
	 * Stop gracefully.
	 */
	TERM,

	/**
	 * Stop at once.
	 */
	KILL,

	/**
	 * Print a thread dump (a JVM does so on {@code SIGQUIT}).
	 */
	QUIT,

	/**
	 * Continue a stopped process.
	 */
	CONT

}
