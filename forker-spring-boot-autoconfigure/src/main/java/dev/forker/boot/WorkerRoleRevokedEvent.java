package dev.forker.boot;

import org.springframework.context.ApplicationEvent;

/**
 * The master took a role back from this worker, which stops the work of the role: another
 * worker may take it over once this one has released it. Listeners run before the role is
 * released, so a component that does the role's work can stop it here.
 * <p>
 * Published in a worker's application context, on a thread of forker's own, one event at
 * a time in the order the master sent them.
 *
 * @since 0.1.0
 * @see Forker#hasRole(WorkerRole)
 */
public class WorkerRoleRevokedEvent extends ApplicationEvent {

	private final WorkerRole role;

	/**
	 * Create a new event.
	 * @param source the object that published it
	 * @param role the role
	 */
	public WorkerRoleRevokedEvent(Object source, WorkerRole role) {
		super(source);
		this.role = role;
	}

	/**
	 * Return the role.
	 * @return the role
	 */
	public WorkerRole getRole() {
		return this.role;
	}

	@Override
	public String toString() {
		return getClass().getSimpleName() + "[role=" + this.role + "]";
	}

}
