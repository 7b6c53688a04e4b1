package dev.forker.boot.master;

import org.jspecify.annotations.Nullable;
import org.springframework.util.backoff.BackOffExecution;

import dev.forker.boot.posix.ExitStatus;

/**
 * One of the worker ids a master keeps filled. A slot keeps its id across the processes
 * that fill it, so that a replacement takes over the id of the worker it replaces. During
 * a rolling restart a slot has a current process and its replacement.
 *
 * @since 0.1.0
 */
final class WorkerSlot {

	private final int id;

	private @Nullable WorkerProcess current;

	private @Nullable WorkerProcess replacement;

	private @Nullable BackOffExecution failures;

	private long restartAtNanos = -1;

	private int restarts;

	private @Nullable ExitStatus lastExit;

	private boolean waitingToStart;

	WorkerSlot(int id) {
		this.id = id;
	}

	int id() {
		return this.id;
	}

	/**
	 * Return whether this slot's first worker waits for its turn to start.
	 * @return whether it waits
	 */
	boolean waitingToStart() {
		return this.waitingToStart;
	}

	void waitingToStart(boolean waitingToStart) {
		this.waitingToStart = waitingToStart;
	}

	@Nullable WorkerProcess current() {
		return this.current;
	}

	void current(@Nullable WorkerProcess current) {
		this.current = current;
	}

	@Nullable WorkerProcess replacement() {
		return this.replacement;
	}

	void replacement(@Nullable WorkerProcess replacement) {
		this.replacement = replacement;
	}

	/**
	 * Return the delays of the current series of consecutive failures of this slot.
	 * @return the series, or {@code null} when the last process became ready
	 */
	@Nullable BackOffExecution failures() {
		return this.failures;
	}

	void failures(@Nullable BackOffExecution failures) {
		this.failures = failures;
	}

	boolean restartPending() {
		return this.restartAtNanos >= 0;
	}

	long restartAtNanos() {
		return this.restartAtNanos;
	}

	void scheduleRestart(long restartAtNanos) {
		this.restartAtNanos = restartAtNanos;
		this.restarts++;
	}

	void countRestart() {
		this.restarts++;
	}

	void cancelRestart() {
		this.restartAtNanos = -1;
	}

	int restarts() {
		return this.restarts;
	}

	@Nullable ExitStatus lastExit() {
		return this.lastExit;
	}

	void lastExit(ExitStatus lastExit) {
		this.lastExit = lastExit;
	}

	/**
	 * Return whether the slot has no process and none is due: something is wrong.
	 * @return whether the slot is empty
	 */
	boolean isEmpty() {
		return this.current == null && this.replacement == null && !restartPending();
	}

}
