package dev.forker.boot;

/**
 * The master gave this worker a role: the work of the role runs here now, until the role
 * is revoked.
 *
 * @since 0.1.0
 * @see Forker#hasRole(WorkerRole)
 */
public class WorkerRoleGrantedEvent extends WorkerRoleEvent {

	/**
	 * Create a new event.
	 * @param source the object that published it
	 * @param role the role
	 */
	public WorkerRoleGrantedEvent(Object source, WorkerRole role) {
		super(source, role);
	}

}
