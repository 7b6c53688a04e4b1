package dev.forker.boot;

/**
 * A role the master gives to one worker at a time, so that work that one JVM would do
 * once is done once by the whole application.
 *
 * @since 0.1.0
 * @see Forker#hasRole(WorkerRole)
 * @see WorkerRoleGrantedEvent
 * @see WorkerRoleRevokedEvent
 */
public enum WorkerRole {

	/**
	 * Runs the application's scheduled jobs ({@code @Scheduled} methods and tasks
	 * registered with a {@code SchedulingConfigurer}) that run once per application. The
	 * master gives it to one ready worker and, when that worker stops or dies, to
	 * another.
	 */
	SCHEDULER

}
