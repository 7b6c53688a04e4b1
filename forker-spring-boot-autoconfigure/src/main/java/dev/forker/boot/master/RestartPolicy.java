package dev.forker.boot.master;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import dev.forker.boot.ForkerProperties;

/**
 * When to restart a worker that exited unexpectedly, and when to give up: an exponential
 * backoff per worker, and a budget of restarts within a sliding window for all workers.
 * The window means that a long-lived server is not stopped by rare crashes spread over
 * weeks, while a crash loop is stopped quickly.
 *
 * @since 0.1.0
 */
final class RestartPolicy {

	private final long initialBackoffNanos;

	private final long maxBackoffNanos;

	private final int maxRestarts;

	private final long windowNanos;

	private final Deque<Long> restarts = new ArrayDeque<>();

	RestartPolicy(ForkerProperties.Restart restart) {
		this.initialBackoffNanos = restart.getInitialBackoff().toNanos();
		this.maxBackoffNanos = restart.getMaxBackoff().toNanos();
		this.maxRestarts = restart.getMaxRestarts();
		this.windowNanos = restart.getWindow().toNanos();
	}

	/**
	 * Count a restart at {@code nowNanos} if the budget allows it.
	 * @param nowNanos the current {@link System#nanoTime()}
	 * @return {@code false} when the restart would exceed the budget
	 */
	boolean tryRecordRestart(long nowNanos) {
		while (!this.restarts.isEmpty() && nowNanos - this.restarts.peekFirst() > this.windowNanos) {
			this.restarts.removeFirst();
		}
		if (this.restarts.size() >= this.maxRestarts) {
			return false;
		}
		this.restarts.addLast(nowNanos);
		return true;
	}

	/**
	 * Return the delay before a restart.
	 * @param consecutiveFailures how many times in a row the worker failed, at least 1
	 * @return the delay
	 */
	Duration backoff(int consecutiveFailures) {
		long nanos = this.initialBackoffNanos;
		for (int i = 1; i < consecutiveFailures && nanos < this.maxBackoffNanos; i++) {
			nanos = (nanos > Long.MAX_VALUE / 2) ? Long.MAX_VALUE : nanos * 2;
		}
		return Duration.ofNanos(Math.min(nanos, this.maxBackoffNanos));
	}

}
