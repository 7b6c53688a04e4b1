package dev.forker.boot.posix;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * A value that is slow to create, such as native functions that take a few hundred
 * milliseconds to link: created once, on a thread of its own when {@link #preload()} is
 * called early enough, else on the first thread that needs it.
 *
 * @param <T> the type of the value
 */
final class Preloaded<T> {

	private final FutureTask<T> task;

	private final String threadName;

	Preloaded(Callable<T> creator, String threadName) {
		this.task = new FutureTask<>(creator);
		this.threadName = threadName;
	}

	/**
	 * Start creating the value on a daemon thread, unless it is created already.
	 */
	void preload() {
		if (!this.task.isDone()) {
			Thread thread = new Thread(this.task, this.threadName);
			thread.setDaemon(true);
			thread.start();
		}
	}

	/**
	 * Return the value, creating it on this thread unless it is being created.
	 * @return the value
	 */
	T get() {
		this.task.run();
		try {
			return this.task.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for " + this.threadName, ex);
		}
		catch (ExecutionException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			if (ex.getCause() instanceof Error error) {
				throw error;
			}
			throw new IllegalStateException(ex.getCause());
		}
	}

}
