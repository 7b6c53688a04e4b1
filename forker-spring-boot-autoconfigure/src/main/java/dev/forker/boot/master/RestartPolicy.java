package dev.forker.boot.master;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;

import org.springframework.util.backoff.BackOffExecution;
import org.springframework.util.backoff.ExponentialBackOff;

import dev.forker.boot.ForkerProperties;

/**
 * When to restart a worker that exited unexpectedly, and when to give up: an exponential
 * backoff per worker id, and a budget of restarts within a sliding window for all
 * workers. The window means that a long-lived server is not stopped by rare crashes
 * spread over weeks, while a crash loop is stopped quickly.
 *
 * @since 0.1.0
 */
final class RestartPolicy {

	private final ExponentialBackOff backOff;

	private final int maxRestarts;

	private final long windowNanos;

	private final Deque<Long> restarts = new ArrayDeque<>();

	RestartPolicy(ForkerProperties.Restart restart) {
		this.backOff = new ExponentialBackOff(restart.getInitialBackoff().toMillis(), 2);
		this.backOff.setMaxInterval(restart.getMaxBackoff().toMillis());
		this.maxRestarts = restart.getMaxRestarts();
		this.windowNanos = restart.getWindow().toNanos();
	}

	/**
	 * Count a restart at {@code nowNanos} if the budget allows it.
	 * @param nowNanos the current monotonic time
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
	 * Start the delays of a series of consecutive failures of one worker id.
	 * @return the delays, the first being the initial backoff
	 */
	BackOffExecution startBackOff() {
		return this.backOff.start();
	}

	/**
	 * Return the next delay of a series.
	 * @param execution the series
	 * @return the delay
	 */
	static Duration nextDelay(BackOffExecution execution) {
		long millis = execution.nextBackOff();
		return Duration.ofMillis((millis == BackOffExecution.STOP) ? 0 : millis);
	}

}
