package dev.forker.boot.control;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The limits that keep misbehaving peers of the {@link ControlServer} from exhausting the
 * master: anonymous connections (not yet introduced as a worker) are bounded in number
 * and in time, connections beyond the bound are closed on arrival and reported at most
 * every ten seconds, and a failing {@code accept} (no file descriptors left) backs off
 * instead of spinning. Used on the master's thread only.
 *
 * @since 0.1.0
 */
final class PeerLimits {

	private static final Log logger = LogFactory.getLog(ControlServer.class);

	/**
	 * Time an anonymous connection has to introduce itself.
	 */
	static final long INTRODUCTION_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(10);

	/**
	 * Anonymous connections served at once; more are closed as soon as they are accepted.
	 */
	static final int MAX_ANONYMOUS = 64;

	private static final long MIN_ACCEPT_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

	private static final long MAX_ACCEPT_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(2);

	private static final long REJECTION_REPORT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private int anonymous;

	private long acceptBackoffNanos;

	private long acceptResumeNanos = -1;

	private int rejected;

	private long rejectionReportNanos;

	/**
	 * Return how long a poll may wait: no longer than until accepting resumes.
	 * @param timeoutMillis the wait the caller asked for, 0 for none
	 * @param nowNanos the current time
	 * @return the wait
	 */
	long pollTimeout(long timeoutMillis, long nowNanos) {
		if (this.acceptResumeNanos < 0) {
			return timeoutMillis;
		}
		return Math.max(1,
				Math.min(timeoutMillis, TimeUnit.NANOSECONDS.toMillis(this.acceptResumeNanos - nowNanos) + 1));
	}

	void accepted() {
		this.acceptBackoffNanos = 0;
	}

	/**
	 * Count a new anonymous connection, unless too many are served already.
	 * @return whether to serve the connection
	 */
	boolean admit() {
		if (this.anonymous >= MAX_ANONYMOUS) {
			this.rejected++;
			return false;
		}
		this.anonymous++;
		return true;
	}

	/**
	 * Count an anonymous connection less: it introduced itself or closed.
	 */
	void anonymousClosed() {
		this.anonymous--;
	}

	void backOffAccepting(IOException ex, SelectionKey serverKey) {
		this.acceptBackoffNanos = (this.acceptBackoffNanos == 0) ? MIN_ACCEPT_BACKOFF_NANOS
				: Math.min(this.acceptBackoffNanos * 2, MAX_ACCEPT_BACKOFF_NANOS);
		this.acceptResumeNanos = System.nanoTime() + this.acceptBackoffNanos;
		serverKey.interestOps(0);
		logger.warn("Could not accept a control connection (" + ex.getMessage() + "): accepting again in "
				+ TimeUnit.NANOSECONDS.toMillis(this.acceptBackoffNanos) + "ms");
	}

	void resumeAccepting(long nowNanos, SelectionKey serverKey) {
		if (this.acceptResumeNanos >= 0 && nowNanos - this.acceptResumeNanos >= 0) {
			this.acceptResumeNanos = -1;
			if (serverKey.isValid()) {
				serverKey.interestOps(SelectionKey.OP_ACCEPT);
			}
		}
	}

	/**
	 * Return the anonymous connections that did not introduce themselves in time, to be
	 * closed.
	 * @param connections the open connections
	 * @param nowNanos the current time
	 * @return the connections to close
	 */
	List<ControlConnection> silent(List<ControlConnection> connections, long nowNanos) {
		if (this.anonymous == 0) {
			return List.of();
		}
		List<ControlConnection> silent = new ArrayList<>();
		for (ControlConnection connection : connections) {
			if (!connection.isIntroduced() && nowNanos - connection.openedNanos() > INTRODUCTION_TIMEOUT_NANOS) {
				silent.add(connection);
			}
		}
		if (!silent.isEmpty()) {
			logger.warn("Closed " + silent.size() + " anonymous control connection" + ((silent.size() > 1) ? "s" : "")
					+ " that did not introduce themselves within 10s");
		}
		return silent;
	}

	void reportRejections(long nowNanos) {
		if (this.rejected > 0 && nowNanos - this.rejectionReportNanos >= REJECTION_REPORT_INTERVAL_NANOS) {
			logger.warn("Closed " + this.rejected + " control connections on arrival: more than " + MAX_ANONYMOUS
					+ " connections had not introduced themselves");
			this.rejected = 0;
			this.rejectionReportNanos = nowNanos;
		}
	}

}
