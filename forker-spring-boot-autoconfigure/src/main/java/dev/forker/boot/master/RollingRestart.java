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

	private int slotInProgress = -1;

	private @Nullable WorkerProcess retiring;

	boolean idle() {
		return this.slotInProgress < 0 && this.pending.isEmpty();
	}

	void begin(Iterable<Integer> ids, String reason) {
		this.reason = reason;
		for (int id : ids) {
			if (!this.pending.contains(id) && id != this.slotInProgress) {
				this.pending.addLast(id);
				this.total++;
			}
		}
	}

	boolean isQueued(int id) {
		return this.pending.contains(id) || this.slotInProgress == id;
	}

	boolean inProgress() {
		return this.slotInProgress >= 0;
	}

	int slotInProgress() {
		return this.slotInProgress;
	}

	@Nullable Integer next() {
		Integer id = this.pending.pollFirst();
		this.slotInProgress = (id != null) ? id : -1;
		return id;
	}

	@Nullable WorkerProcess retiring() {
		return this.retiring;
	}

	void retiring(@Nullable WorkerProcess retiring) {
		this.retiring = retiring;
	}

	void stepDone() {
		this.slotInProgress = -1;
		this.retiring = null;
		this.done++;
		if (this.pending.isEmpty()) {
			this.total = 0;
			this.done = 0;
		}
	}

	void remove(int id) {
		this.pending.remove(id);
	}

	void abort() {
		this.pending.clear();
		this.slotInProgress = -1;
		this.retiring = null;
		this.total = 0;
		this.done = 0;
	}

	@Nullable String describe() {
		if (idle()) {
			return null;
		}
		String step = (this.slotInProgress >= 0) ? "replacing worker " + this.slotInProgress
				: "about to replace worker " + this.pending.peekFirst();
		return step + " (" + (this.done + 1) + " of " + this.total + ", " + this.reason + ")";
	}

}
