package dev.forker.boot.master;

import java.util.ArrayDeque;
import java.util.Deque;

import org.jspecify.annotations.Nullable;

/**
 * The progress of a rolling restart: the worker ids still to replace, and the one being
 * replaced now. One worker at a time: its replacement starts, the master waits until the
 * replacement is ready, stops the old process gracefully and waits until it is gone.
 *
 * @since 0.1.0
 */
final class RollingRestart {

	private final Deque<Integer> pending = new ArrayDeque<>();

	private int total;

	private int done;

	private @Nullable String reason;

	private int inProgress = -1;

	private @Nullable WorkerProcess retiring;

	boolean idle() {
		return this.inProgress < 0 && this.pending.isEmpty();
	}

	void begin(Iterable<Integer> ids, String reason) {
		if (idle()) {
			this.total = 0;
			this.done = 0;
		}
		this.reason = reason;
		for (int id : ids) {
			if (!isQueued(id)) {
				this.pending.addLast(id);
				this.total++;
			}
		}
	}

	boolean isQueued(int id) {
		return this.pending.contains(id) || this.inProgress == id;
	}

	boolean inProgress() {
		return this.inProgress >= 0;
	}

	/**
	 * Return the worker id being replaced.
	 * @return the id, or -1 between steps
	 */
	int current() {
		return this.inProgress;
	}

	/**
	 * Move to the next worker id.
	 * @return the id, or {@code null} when none is left
	 */
	@Nullable Integer next() {
		Integer id = this.pending.pollFirst();
		this.inProgress = (id != null) ? id : -1;
		return id;
	}

	/**
	 * Return the old process being stopped in this step, once its replacement is ready.
	 * @return the process, or {@code null}
	 */
	@Nullable WorkerProcess retiring() {
		return this.retiring;
	}

	void retiring(WorkerProcess retiring) {
		this.retiring = retiring;
	}

	/**
	 * End the step of a worker id, if it is the one in progress.
	 * @param id the worker id
	 */
	void finishStep(int id) {
		if (this.inProgress == id) {
			this.inProgress = -1;
			this.retiring = null;
			this.done++;
		}
	}

	/**
	 * Forget a worker id that no longer exists.
	 * @param id the worker id
	 */
	void remove(int id) {
		if (this.pending.remove(id)) {
			this.total--;
		}
		finishStep(id);
	}

	void abort() {
		this.pending.clear();
		this.inProgress = -1;
		this.retiring = null;
		this.total = 0;
		this.done = 0;
	}

	@Nullable String describe() {
		if (idle()) {
			return null;
		}
		String step = (this.inProgress >= 0) ? "replacing worker " + this.inProgress
				: "about to replace worker " + this.pending.peekFirst();
		return step + " (" + Math.min(this.done + 1, this.total) + " of " + this.total + ", " + this.reason + ")";
	}

}
