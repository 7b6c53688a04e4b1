package dev.forker.boot.worker;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the requests a worker handles, for its heartbeats (and so for
 * {@code forker.worker.max-requests}).
 *
 * @since 0.1.0
 */
public class WorkerRequestCounter {

	private final LongAdder requests = new LongAdder();

	/**
	 * Count one request.
	 */
	public void increment() {
		this.requests.increment();
	}

	/**
	 * Return the number of requests counted.
	 * @return the count
	 */
	public long count() {
		return this.requests.sum();
	}

}
