package dev.forker.boot.master;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlLink;
import dev.forker.boot.control.WorkerState;

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

	private final long recycleAfterRequests;

	private WorkerState state = WorkerState.STARTING;

	private long readyNanos = -1;

	private @Nullable ControlLink link;

	private @Nullable StartupFailure startupFailure;

	private @Nullable String killReason;

	private long killAtNanos = -1;

	private boolean retiring;

	private long lastHeartbeatNanos = -1;

	private @Nullable Instant lastHeartbeatAt;

	private @Nullable String health;

	private int connections;

	private long requests;

	WorkerProcess(int id, long pid, String token, long startedNanos, Instant startedAt, long recycleAfterRequests) {
		this.id = id;
		this.pid = pid;
		this.token = token;
		this.startedNanos = startedNanos;
		this.startedAt = startedAt;
		this.recycleAfterRequests = recycleAfterRequests;
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

	/**
	 * Return after how many requests this process is replaced, 0 for never.
	 * @return the request count
	 */
	long recycleAfterRequests() {
		return this.recycleAfterRequests;
	}

	WorkerState state() {
		return this.state;
	}

	void state(WorkerState state) {
		this.state = state;
	}

	long readyNanos() {
		return this.readyNanos;
	}

	boolean wasReady() {
		return this.readyNanos >= 0;
	}

	void ready(long nowNanos, Instant now) {
		this.readyNanos = nowNanos;
		this.lastHeartbeatNanos = nowNanos;
		this.lastHeartbeatAt = now;
		this.state = WorkerState.READY;
	}

	@Nullable ControlLink link() {
		return this.link;
	}

	void link(@Nullable ControlLink link) {
		this.link = link;
	}

	/**
	 * Return why the application of this process failed to start, as the worker said.
	 * @return the failure, or {@code null}
	 */
	@Nullable StartupFailure startupFailure() {
		return this.startupFailure;
	}

	void startupFailure(StartupFailure startupFailure) {
		StartupFailure previous = this.startupFailure;
		// A failure analysis says more than the root cause that came before it
		if (previous == null || previous.description() == null) {
			this.startupFailure = startupFailure;
		}
	}

	/**
	 * Return why the master kills this process, if it does.
	 * @return the reason, or {@code null}
	 */
	@Nullable String killReason() {
		return this.killReason;
	}

	void killReason(String killReason) {
		this.killReason = killReason;
	}

	long killAtNanos() {
		return this.killAtNanos;
	}

	void killAt(long killAtNanos) {
		this.killAtNanos = killAtNanos;
	}

	/**
	 * Return whether this process was asked to stop and its exit is expected.
	 * @return whether the process retires
	 */
	boolean retiring() {
		return this.retiring;
	}

	void retire() {
		this.retiring = true;
		this.state = WorkerState.STOPPING;
	}

	void heartbeat(long nowNanos, Instant now, String health, long requests) {
		this.lastHeartbeatNanos = nowNanos;
		this.lastHeartbeatAt = now;
		this.health = health;
		this.requests = requests;
	}

	long lastHeartbeatNanos() {
		return this.lastHeartbeatNanos;
	}

	@Nullable Instant lastHeartbeatAt() {
		return this.lastHeartbeatAt;
	}

	@Nullable String health() {
		return this.health;
	}

	long requests() {
		return this.requests;
	}

	void connections(int connections) {
		this.connections = connections;
	}

	int connections() {
		return this.connections;
	}

	@Override
	public String toString() {
		return "worker " + this.id + " (pid " + this.pid + ")";
	}

	/**
	 * Why a worker's application failed to start.
	 *
	 * @param reason the root cause, on one line
	 * @param description the description of Spring Boot's failure analysis, or
	 * {@code null}
	 * @param action the action of Spring Boot's failure analysis, or {@code null}
	 */
	record StartupFailure(String reason, @Nullable String description, @Nullable String action) {

	}

}
