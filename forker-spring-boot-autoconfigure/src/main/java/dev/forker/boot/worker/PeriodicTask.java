package dev.forker.boot.worker;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A task run at a fixed interval on a daemon thread of its own, so that it never keeps a
 * worker's JVM alive and a slow run never delays another kind of task.
 *
 * @since 0.1.0
 */
public final class PeriodicTask {

	private final ScheduledExecutorService executor;

	private PeriodicTask(ScheduledExecutorService executor) {
		this.executor = executor;
	}

	/**
	 * Start running {@code task} every {@code interval}, measured from the end of one run
	 * to the start of the next.
	 * @param threadName the name of the thread
	 * @param initialDelay the delay before the first run
	 * @param interval the interval
	 * @param task the task
	 * @return the running task
	 */
	public static PeriodicTask start(String threadName, Duration initialDelay, Duration interval, Runnable task) {
		ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((runnable) -> {
			Thread thread = new Thread(runnable, threadName);
			thread.setDaemon(true);
			return thread;
		});
		executor.scheduleWithFixedDelay(task, initialDelay.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
		return new PeriodicTask(executor);
	}

	/**
	 * Stop running the task.
	 */
	public void stop() {
		this.executor.shutdownNow();
	}

}
