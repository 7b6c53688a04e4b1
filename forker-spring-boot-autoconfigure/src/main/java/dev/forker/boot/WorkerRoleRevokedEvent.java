package dev.forker.boot;

/**
 * The master took a role back from this worker, which stops the work of the role: another
 * worker may take it over once this one has released it. Listeners run before the role is
 * released, so a component that does the role's work can stop it here.
 *
 * @since 0.1.0
 * @see Forker#hasRole(WorkerRole)
 */
public class WorkerRoleRevokedEvent extends WorkerRoleEvent {

	/**
	 * Create a new event.
	 * @param source the object that published it
	 * @param role the role
	 */
	public WorkerRoleRevokedEvent(Object source, WorkerRole role) {
		super(source, role);
	}

}
