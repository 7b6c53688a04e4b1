package dev.forker.boot;

import org.springframework.context.ApplicationEvent;

/**
 * The master gave this worker a role, or took it back. Published in a worker's
 * application context, on a thread of forker's own, one event at a time in the order the
 * master sent them.
 *
 * @since 0.1.0
 * @see WorkerRoleGrantedEvent
 * @see WorkerRoleRevokedEvent
 * @see Forker#hasRole(WorkerRole)
 */
public abstract class WorkerRoleEvent extends ApplicationEvent {

	private final WorkerRole role;

	/**
	 * Create a new event.
	 * @param source the object that published it
	 * @param role the role
	 */
	protected WorkerRoleEvent(Object source, WorkerRole role) {
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
