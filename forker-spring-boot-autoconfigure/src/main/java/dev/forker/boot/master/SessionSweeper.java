package dev.forker.boot.master;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.session.SessionBoard;

/**
 * Keeps house in the directory of the HTTP sessions that the workers read and write
 * directly (a file per session, whose modification time is its expiry): it deletes the
 * sessions that expired, the files of writes that a worker never finished (it was killed
 * while writing), and, when the sessions are more than
 * {@code forker.sessions.max-sessions} or take more than
 * {@code forker.sessions.max-memory}, the sessions nearest to expiry (for one timeout,
 * the least recently used), with a warning, so that a flood of new sessions logs out idle
 * users rather than filling the memory. It is never on the path of a request.
 *
 * @since 0.1.0
 */
final class SessionSweeper {

	private static final Log logger = LogFactory.getLog(SessionSweeper.class);

	/**
	 * What a session costs beyond its bytes: the inode, the directory entry and the
	 * partly used last page.
	 */
	static final int OVERHEAD_BYTES = 1024;

	/**
	 * How long a file of an unfinished write is left alone: a write takes microseconds.
	 */
	static final long PARTIAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final long INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

	private static final int SESSIONS_PER_INTERVAL = 10_000;

	private static final long MAX_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final long EVICTION_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	private final Path directory;

	private final int maxSessions;

	private final long maxBytes;

	private final Supplier<Instant> wallClock;

	private final Map<Path, Long> partialSince = new HashMap<>();

	private boolean swept;

	private long nextSweepNanos;

	private long lastEvictionLogNanos = Long.MIN_VALUE;

	private long evicted;

	private int count;

	private long bytes;

	private final @Nullable SessionBoard board;

	SessionSweeper(Path directory, @Nullable SessionBoard board, int maxSessions, long maxBytes,
			Supplier<Instant> wallClock) {
		this.directory = directory;
		this.board = board;
		this.maxSessions = maxSessions;
		this.maxBytes = maxBytes;
		this.wallClock = wallClock;
	}

	/**
	 * Return a sweeper of the sessions of a state directory.
	 * @param stateDirectory the state directory
	 * @param maxSessions the largest number of sessions
	 * @param maxBytes the largest memory of the sessions
	 * @param wallClock the time of day
	 * @return the sweeper
	 */
	static SessionSweeper of(Path stateDirectory, int maxSessions, long maxBytes, Supplier<Instant> wallClock) {
		SessionBoard board = null;
		try {
			board = SessionBoard.open(stateDirectory);
		}
		catch (IOException ex) {
			// No state directory: the master runs without workers that share sessions
			logger.debug("No board of the HTTP sessions in " + stateDirectory, ex);
		}
		return new SessionSweeper(StateDirectory.sessions(stateDirectory), board, maxSessions, maxBytes, wallClock);
	}

	/**
	 * Sweep, if it is time to: every second, and less often past
	 * {@value #SESSIONS_PER_INTERVAL} sessions (up to every 10 seconds), so that the
	 * master's cost stays small whatever the number of sessions.
	 * @param now the time now, in nanoseconds of the master's clock
	 */
	void sweep(long now) {
		if (this.swept && now - this.nextSweepNanos < 0) {
			return;
		}
		this.swept = true;
		long interval = Math.min(MAX_INTERVAL_NANOS,
				Math.max(INTERVAL_NANOS, INTERVAL_NANOS * (this.count / SESSIONS_PER_INTERVAL)));
		this.nextSweepNanos = now + interval;
		try {
			sweepNow(now);
		}
		catch (NoSuchFileException ex) {
			// No session yet, or the master stops
		}
		catch (IOException ex) {
			logger.warn("Could not sweep the HTTP sessions in " + this.directory + ": " + ex);
		}
	}

	void sweepNow(long now) throws IOException {
		Instant wallNow = this.wallClock.get();
		List<Stored> sessions = new ArrayList<>();
		Map<Path, Long> partials = new HashMap<>();
		long total = 0;
		try (DirectoryStream<Path> files = Files.newDirectoryStream(this.directory)) {
			for (Path file : files) {
				BasicFileAttributes attributes;
				try {
					attributes = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
				}
				catch (NoSuchFileException ex) {
					continue;
				}
				if (!attributes.isRegularFile()) {
					continue;
				}
				if (file.getFileName().toString().endsWith(StateDirectory.PARTIAL_SUFFIX)) {
					long since = this.partialSince.getOrDefault(file, now);
					if (now - since >= PARTIAL_NANOS) {
						Files.deleteIfExists(file);
					}
					else {
						partials.put(file, since);
					}
					continue;
				}
				Instant expiry = attributes.lastModifiedTime().toInstant();
				if (expiry.isBefore(wallNow)) {
					delete(file);
					continue;
				}
				sessions.add(new Stored(file, expiry, attributes.size() + OVERHEAD_BYTES));
				total += attributes.size() + OVERHEAD_BYTES;
			}
		}
		this.partialSince.clear();
		this.partialSince.putAll(partials);
		if (sessions.size() > this.maxSessions || total > this.maxBytes) {
			total = makeRoom(sessions, total, now);
		}
		this.count = sessions.size();
		this.bytes = total;
	}

	private long makeRoom(List<Stored> sessions, long total, long now) throws IOException {
		sessions.sort(Comparator.comparing(Stored::expiry));
		int evictedNow = 0;
		while (!sessions.isEmpty() && (sessions.size() > this.maxSessions || total > this.maxBytes)) {
			Stored eldest = sessions.remove(0);
			delete(eldest.file());
			total -= eldest.bytes();
			evictedNow++;
		}
		this.evicted += evictedNow;
		if (now - this.lastEvictionLogNanos >= EVICTION_LOG_INTERVAL_NANOS
				|| this.lastEvictionLogNanos == Long.MIN_VALUE) {
			this.lastEvictionLogNanos = now;
			logger.warn("The HTTP sessions are over their bounds (forker.sessions.max-sessions=" + this.maxSessions
					+ ", forker.sessions.max-memory=" + this.maxBytes + " bytes): removed the " + evictedNow
					+ " nearest to expiry (" + this.evicted + " so far); their users sign in again. Raise the "
					+ "bounds if this is not a flood of new sessions.");
		}
		return total;
	}

	private void delete(Path file) throws IOException {
		if (Files.deleteIfExists(file) && this.board != null) {
			this.board.changed(file.getFileName().toString());
		}
	}

	/**
	 * Return the number of sessions at the last sweep.
	 * @return the number of sessions
	 */
	int count() {
		return this.count;
	}

	/**
	 * Return the memory the sessions took at the last sweep, with their overhead.
	 * @return the bytes
	 */
	long bytes() {
		return this.bytes;
	}

	/**
	 * Return the number of sessions removed to keep within the bounds.
	 * @return the number of sessions
	 */
	long evicted() {
		return this.evicted;
	}

	private record Stored(Path file, Instant expiry, long bytes) {

	}

}
