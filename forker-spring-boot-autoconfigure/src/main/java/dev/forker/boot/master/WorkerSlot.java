package dev.forker.boot.master;

import org.jspecify.annotations.Nullable;

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

	private int consecutiveFailures;

	private long restartAtNanos = -1;

	private int restarts;

	private @Nullable ExitStatus lastExit;

	WorkerSlot(int id) {
		this.id = id;
	}

	int id() {
		return this.id;
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

	int consecutiveFailures() {
		return this.consecutiveFailures;
	}

	void consecutiveFailures(int consecutiveFailures) {
		this.consecutiveFailures = consecutiveFailures;
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

}
