package dev.forker.boot.master;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * What the master knows of one worker process, from its start to its exit.
 *
 * @since 0.1.0
 */
final class WorkerProcess {

	private final int id;

	private final long pid;

	private final String token;

	private final long startedNanos;

	private final Instant startedAt;

	private WorkerState state = WorkerState.STARTING;

	private long readyNanos = -1;

	private @Nullable ControlConnection link;

	private @Nullable String startupFailure;

	WorkerProcess(int id, long pid, String token, long startedNanos) {
		this.id = id;
		this.pid = pid;
		this.token = token;
		this.startedNanos = startedNanos;
		this.startedAt = Instant.now();
	}

	int id() {
		return this.id;
	}

	long pid() {
		return this.pid;
	}

	String token() {
		return this.token;
	}

	long startedNanos() {
		return this.startedNanos;
	}

	Instant startedAt() {
		return this.startedAt;
	}

	WorkerState state() {
		return this.state;
	}

	void state(WorkerState state) {
		this.state = state;
	}

	boolean wasReady() {
		return this.readyNanos >= 0;
	}

	void ready(long nowNanos) {
		this.readyNanos = nowNanos;
		this.state = WorkerState.READY;
	}

	@Nullable ControlConnection link() {
		return this.link;
	}

	void link(@Nullable ControlConnection link) {
		this.link = link;
	}

	@Nullable String startupFailure() {
		return this.startupFailure;
	}

	void startupFailure(String startupFailure) {
		this.startupFailure = startupFailure;
	}

	boolean stopping() {
		return this.state == WorkerState.STOPPING;
	}

	@Override
	public String toString() {
		return "worker " + this.id + " (pid " + this.pid + ")";
	}

}
