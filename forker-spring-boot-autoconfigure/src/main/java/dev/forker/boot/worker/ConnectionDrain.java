package dev.forker.boot.worker;

import java.time.Duration;

import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Drains a worker's web server just before Spring Boot's graceful shutdown, on servers
 * whose own stop would close kept-alive connections under their clients. The lifecycle is
 * common to every server: a graceful shutdown drains on a thread of its own, for at most
 * the drain timeout, then lets the shutdown go on; an immediate shutdown does not drain.
 * What a drain does is the server's: it stops accepting, answers the next request on
 * every connection with {@code Connection: close}, and waits for the connections to
 * close.
 *
 * @since 0.1.0
 */
public abstract class ConnectionDrain implements SmartLifecycle {

	private final Duration timeout;

	private final String threadName;

	private volatile boolean enabled = true;

	private volatile boolean running;

	/**
	 * Create a new instance.
	 * @param timeout how long to wait for open connections to send their next request
	 * @param threadName the name of the thread that drains
	 */
	protected ConnectionDrain(Duration timeout, String threadName) {
		this.timeout = timeout;
		this.threadName = threadName;
	}

	/**
	 * Set whether to drain before a stop: only a graceful shutdown does.
	 * @param enabled whether to drain
	 */
	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	/**
	 * Return how long a drain waits for open connections to send their next request.
	 * @return the drain timeout
	 */
	protected final Duration getTimeout() {
		return this.timeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		if (this.running && this.enabled) {
			drain();
		}
		this.running = false;
	}

	@Override
	public void stop(Runnable callback) {
		if (!this.running || !this.enabled) {
			this.running = false;
			callback.run();
			return;
		}
		Thread thread = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, this.threadName);
		thread.setDaemon(true);
		thread.start();
	}

	/**
	 * Drain the server's connections, returning once they are closed or the drain timeout
	 * has passed.
	 */
	protected abstract void drain();

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		// Stops just before the web server's graceful shutdown
		return WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE + 1;
	}

}
