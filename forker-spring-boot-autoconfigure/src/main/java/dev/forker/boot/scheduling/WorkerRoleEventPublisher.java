package dev.forker.boot.scheduling;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ApplicationEventPublisher;

import dev.forker.boot.WorkerRole;
import dev.forker.boot.WorkerRoleGrantedEvent;
import dev.forker.boot.WorkerRoleRevokedEvent;
import dev.forker.boot.worker.WorkerAgent;
import dev.forker.boot.worker.WorkerRoles;

/**
 * Publishes a {@link WorkerRoleGrantedEvent} or {@link WorkerRoleRevokedEvent} in the
 * worker's application context when the master gives this worker a role or takes it back,
 * so that the application's own once-per-application components can start and stop with
 * it. A revocation is released to the master only once its listeners have returned.
 *
 * @since 0.1.0
 */
public final class WorkerRoleEventPublisher implements WorkerRoles.Listener, SmartInitializingSingleton {

	private final WorkerAgent agent;

	private final ApplicationEventPublisher publisher;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param publisher publishes the events
	 */
	public WorkerRoleEventPublisher(WorkerAgent agent, ApplicationEventPublisher publisher) {
		this.agent = agent;
		this.publisher = publisher;
	}

	@Override
	public void afterSingletonsInstantiated() {
		this.agent.getRoles().addListener(this);
	}

	@Override
	public void granted(String role) {
		WorkerRole known = role(role);
		if (known != null) {
			this.publisher.publishEvent(new WorkerRoleGrantedEvent(this, known));
		}
	}

	@Override
	public void revoked(String role) {
		WorkerRole known = role(role);
		if (known != null) {
			this.publisher.publishEvent(new WorkerRoleRevokedEvent(this, known));
		}
	}

	private static @Nullable WorkerRole role(String name) {
		for (WorkerRole role : WorkerRole.values()) {
			if (role.name().equals(name)) {
				return role;
			}
		}
		return null;
	}

}
