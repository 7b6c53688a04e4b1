package dev.forker.boot.worker;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The roles the master gave this worker, and who acts on them. Listeners are called on a
 * thread of their own, one change at a time in the order the master sent them, so that a
 * listener that waits for work to stop never holds up the link to the master. Once every
 * listener has returned from a revocation, the master is told the role is released.
 *
 * @since 0.1.0
 */
public final class WorkerRoles {

	private static final Log logger = LogFactory.getLog(WorkerRoles.class);

	private final Set<String> held = ConcurrentHashMap.newKeySet();

	private final List<Listener> listeners = new CopyOnWriteArrayList<>();

	private final Consumer<String> release;

	private final ExecutorService changes = Executors.newSingleThreadExecutor((task) -> {
		Thread thread = new Thread(task, "forker-roles");
		thread.setDaemon(true);
		return thread;
	});

	/**
	 * Create a new instance.
	 * @param release tells the master that a revoked role is released
	 */
	public WorkerRoles(Consumer<String> release) {
		this.release = release;
	}

	/**
	 * Return whether this worker holds a role.
	 * @param role the name of the role
	 * @return whether it holds it
	 */
	public boolean has(String role) {
		return this.held.contains(role);
	}

	/**
	 * Add a listener, told of the roles held already.
	 * @param listener the listener
	 */
	public void addListener(Listener listener) {
		this.changes.execute(() -> {
			this.listeners.add(listener);
			for (String role : this.held) {
				call(() -> listener.granted(role), role);
			}
		});
	}

	/**
	 * The master gave this worker a role.
	 * @param role the name of the role
	 */
	public void granted(String role) {
		this.held.add(role);
		this.changes.execute(() -> this.listeners.forEach((listener) -> call(() -> listener.granted(role), role)));
	}

	/**
	 * The master took a role back: its listeners stop its work, then it is released.
	 * @param role the name of the role
	 */
	public void revoked(String role) {
		this.held.remove(role);
		this.changes.execute(() -> {
			this.listeners.forEach((listener) -> call(() -> listener.revoked(role), role));
			this.release.accept(role);
		});
	}

	/**
	 * Give every role up before the master replaces itself in place (the new master knows
	 * no holder and gives the roles again): each role's listeners stop its work, then it
	 * is released, then {@code then} runs.
	 * @param then what to do once every role is given up
	 */
	void revokeAll(Runnable then) {
		for (String role : List.copyOf(this.held)) {
			revoked(role);
		}
		this.changes.execute(then);
	}

	void close() {
		this.changes.shutdownNow();
	}

	private static void call(Runnable call, String role) {
		try {
			call.run();
		}
		catch (RuntimeException ex) {
			logger.warn("A listener of the " + role + " role failed", ex);
		}
	}

	/**
	 * Acts when this worker gains or loses a role.
	 */
	public interface Listener {

		/**
		 * This worker holds a role now.
		 * @param role the name of the role
		 */
		void granted(String role);

		/**
		 * This worker does not hold a role any more: stop its work, and return once it
		 * has stopped.
		 * @param role the name of the role
		 */
		void revoked(String role);

	}

}
