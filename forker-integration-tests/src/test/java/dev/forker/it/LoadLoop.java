package dev.forker.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded stream of requests: a few client threads, each sending one request per new
 * connection, until stopped or until a request budget is used. Every failure (refused,
 * reset, timed out, or not a 200) is counted, never retried.
 */
final class LoadLoop implements AutoCloseable {

	private final HttpProbe.Target target;

	private final String path;

	private final long maxRequests;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

	private final List<Thread> threads = new ArrayList<>();

	private LoadLoop(HttpProbe.Target target, String path, long maxRequests) {
		this.target = target;
		this.path = path;
		this.maxRequests = maxRequests;
	}

	static LoadLoop start(HttpProbe.Target target, String path, int clients, long maxRequests) {
		LoadLoop loop = new LoadLoop(target, path, maxRequests);
		for (int i = 0; i < clients; i++) {
			Thread thread = new Thread(loop::run, "load-" + i);
			thread.setDaemon(true);
			loop.threads.add(thread);
			thread.start();
		}
		return loop;
	}

	private void run() {
		while (this.running.get() && this.sent.incrementAndGet() <= this.maxRequests) {
			try {
				HttpProbe.Response response = HttpProbe.get(this.target, this.path);
				if (response.status() == 200) {
					this.succeeded.incrementAndGet();
				}
				else {
					fail("status " + response.status());
				}
			}
			catch (IOException ex) {
				fail(ex.toString());
			}
		}
	}

	private void fail(String failure) {
		this.failed.incrementAndGet();
		if (this.failures.size() < 20) {
			this.failures.add(failure);
		}
	}

	long succeeded() {
		return this.succeeded.get();
	}

	long failed() {
		return this.failed.get();
	}

	List<String> failures() {
		return List.copyOf(this.failures);
	}

	boolean isRunning() {
		return this.threads.stream().anyMatch(Thread::isAlive);
	}

	@Override
	public void close() throws InterruptedException {
		this.running.set(false);
		for (Thread thread : this.threads) {
			thread.join(Duration.ofSeconds(30).toMillis());
		}
	}

	@Override
	public String toString() {
		return this.succeeded() + " succeeded, " + this.failed() + " failed " + failures();
	}

}
