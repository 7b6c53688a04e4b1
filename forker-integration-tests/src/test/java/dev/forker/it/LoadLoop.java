package dev.forker.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded stream of requests: a few client threads, each sending requests back to back
 * until stopped or until a request budget is used, either one request per new connection
 * or on persistent keep-alive connections (replaced only when the server says
 * {@code Connection: close}). Every failure (refused, reset, closed before the response,
 * timed out, or not a 200) is counted, never retried.
 */
final class LoadLoop implements AutoCloseable {

	private final HttpProbe.Target target;

	private final String path;

	private final long maxRequests;

	private final boolean keepAlive;

	private final AtomicBoolean running = new AtomicBoolean(true);

	private final AtomicLong sent = new AtomicLong();

	private final AtomicLong succeeded = new AtomicLong();

	private final AtomicLong failed = new AtomicLong();

	private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

	private final List<Thread> threads = new ArrayList<>();

	private final AtomicLong connections = new AtomicLong();

	private LoadLoop(HttpProbe.Target target, String path, long maxRequests, boolean keepAlive) {
		this.target = target;
		this.path = path;
		this.maxRequests = maxRequests;
		this.keepAlive = keepAlive;
	}

	/**
	 * Start clients that open a new connection for every request.
	 * @param target where to send requests
	 * @param path the path
	 * @param clients the number of client threads
	 * @param maxRequests the request budget of all clients together
	 * @return the running loop
	 */
	static LoadLoop start(HttpProbe.Target target, String path, int clients, long maxRequests) {
		return start(new LoadLoop(target, path, maxRequests, false), clients);
	}

	/**
	 * Start clients that each keep one connection busy, as a load balancer or client pool
	 * does.
	 * @param target where to send requests
	 * @param path the path
	 * @param clients the number of client threads, one connection each
	 * @param maxRequests the request budget of all clients together
	 * @return the running loop
	 */
	static LoadLoop startKeepAlive(HttpProbe.Target target, String path, int clients, long maxRequests) {
		return start(new LoadLoop(target, path, maxRequests, true), clients);
	}

	private static LoadLoop start(LoadLoop loop, int clients) {
		for (int i = 0; i < clients; i++) {
			Thread thread = new Thread(loop.keepAlive ? loop::runKeepAlive : loop::run,
					(loop.keepAlive ? "keep-alive-" : "load-") + i);
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

	private void runKeepAlive() {
		try (KeepAliveConnection connection = new KeepAliveConnection(this.target, this.connections)) {
			while (this.running.get() && this.sent.incrementAndGet() <= this.maxRequests) {
				try {
					HttpProbe.Response response = connection.get(this.path);
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

	/**
	 * Return how many connections the keep-alive clients opened.
	 * @return the number of connections
	 */
	long connections() {
		return this.connections.get();
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
		return this.succeeded() + " succeeded, " + this.failed() + " failed"
				+ (this.keepAlive ? " on " + connections() + " keep-alive connections " : " ") + failures();
	}

}
