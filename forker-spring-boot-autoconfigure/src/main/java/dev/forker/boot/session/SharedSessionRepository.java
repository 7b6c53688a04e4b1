package dev.forker.boot.session;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.session.MapSession;
import org.springframework.session.SaveMode;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;

import dev.forker.boot.control.StateDirectory;

/**
 * A Spring Session repository whose sessions every worker of a deployment reads and
 * writes directly, in {@link SessionFiles files} on memory shared by the workers, so that
 * a session created on one worker is seen, with its current attributes, by every worker,
 * and outlives the worker, without the master on the path of any request.
 * <p>
 * Each worker keeps the sessions it read, decoded, and reuses one as long as the stored
 * bytes are the same, so that a request that reads its session costs a read of a small
 * file from memory, not a deserialization. A session is written only when it changed (an
 * attribute set or removed, its id or its timeout changed; see {@link SaveMode}); a
 * request that only uses it moves its expiry, at most once a second.
 *
 * @since 0.1.0
 */
public class SharedSessionRepository implements SessionRepository<SharedSessionRepository.SharedSession> {

	/**
	 * The time a session that never expires (a negative maximum inactive interval) is
	 * kept.
	 */
	static final Duration NEVER = Duration.ofDays(3650);

	private static final Duration TOUCH_GRANULARITY = Duration.ofSeconds(1);

	/**
	 * Sessions kept decoded in this worker, at most; past that, they are dropped and read
	 * again.
	 */
	static final int MAX_DECODED = 10_000;

	private final SessionFiles files;

	private final SessionCodec codec;

	private final Supplier<@Nullable Duration> defaultMaxInactiveInterval;

	private final SaveMode saveMode;

	private final long maxMemory;

	private final Map<String, Decoded> decoded = new ConcurrentHashMap<>();

	/**
	 * Create a new instance.
	 * @param stateDirectory the deployment's state directory, shared by every worker,
	 * with its {@code sessions} directory and its {@link SessionBoard}
	 * @param classLoader the application's class loader, which reads attribute values
	 * @param defaultMaxInactiveInterval the time a new session lives unused, or
	 * {@code null} for Spring Session's default
	 * @param saveMode when a session that was read is written again
	 * @param maxMemory the memory the sessions of the deployment may take
	 * @throws IOException if the board of the sessions cannot be mapped
	 */
	public SharedSessionRepository(Path stateDirectory, ClassLoader classLoader,
			Supplier<@Nullable Duration> defaultMaxInactiveInterval, SaveMode saveMode, long maxMemory)
			throws IOException {
		this(new SessionFiles(StateDirectory.sessions(stateDirectory), SessionBoard.open(stateDirectory)), classLoader,
				defaultMaxInactiveInterval, saveMode, maxMemory);
	}

	/**
	 * Create a new instance.
	 * @param files the session files
	 * @param classLoader the application's class loader, which reads attribute values
	 * @param defaultMaxInactiveInterval the time a new session lives unused, or
	 * {@code null} for Spring Session's default
	 * @param saveMode when a session that was read is written again
	 * @param maxMemory the memory the sessions of the deployment may take
	 */
	SharedSessionRepository(SessionFiles files, ClassLoader classLoader,
			Supplier<@Nullable Duration> defaultMaxInactiveInterval, SaveMode saveMode, long maxMemory) {
		this.files = files;
		this.codec = new SessionCodec(classLoader);
		this.defaultMaxInactiveInterval = defaultMaxInactiveInterval;
		this.saveMode = saveMode;
		this.maxMemory = maxMemory;
	}

	@Override
	public SharedSession createSession() {
		MapSession session = new MapSession();
		Duration maxInactive = this.defaultMaxInactiveInterval.get();
		if (maxInactive != null) {
			session.setMaxInactiveInterval(maxInactive);
		}
		return new SharedSession(session, null, this.saveMode);
	}

	@Override
	public void save(SharedSession session) {
		MapSession delegate = session.delegate;
		Instant expiry = expiry(delegate);
		if (session.stored != null && !session.changed && this.saveMode != SaveMode.ALWAYS) {
			// Only used: move its expiry, rarely
			if (Duration.between(session.stored, expiry).compareTo(TOUCH_GRANULARITY) >= 0) {
				try {
					if (this.files.touch(delegate.getId(), expiry)) {
						session.stored = expiry;
						Decoded known = this.decoded.get(delegate.getId());
						if (known != null && known.expiry.isBefore(expiry)) {
							known.expiry = expiry;
						}
					}
				}
				catch (IOException ex) {
					throw failure("keep alive", ex);
				}
			}
			return;
		}
		byte[] data = this.codec.encode(delegate);
		if (data.length > this.maxMemory) {
			throw new IllegalStateException("A session of " + data.length + " bytes (serialized, attributes "
					+ delegate.getAttributeNames() + ") is larger than forker.sessions.max-memory (" + this.maxMemory
					+ " bytes): keep less in the session, set forker.sessions.max-memory higher, or set "
					+ "forker.sessions.enabled=false to keep sessions per worker.");
		}
		String id = delegate.getId();
		String originalId = session.originalId;
		String fileName = this.files.fileName(id);
		long before = (fileName != null) ? this.files.version(fileName) : 0;
		try {
			this.files.write(id, data, expiry);
			if (originalId != null && !originalId.equals(id)) {
				this.files.delete(originalId);
				this.decoded.remove(originalId);
			}
		}
		catch (IOException ex) {
			throw failure("save", ex);
		}
		// The version this write made; one that moved on since is another write
		remember(id, new Decoded(data, new MapSession(delegate), before + 1, expiry));
		session.saved(expiry);
	}

	@Override
	public @Nullable SharedSession findById(String id) {
		String fileName = this.files.fileName(id);
		if (fileName == null) {
			return null;
		}
		long version = this.files.version(fileName);
		Decoded known = this.decoded.get(id);
		Instant now = Instant.now();
		if (known == null || known.version != version || !known.expiry.isAfter(now)) {
			known = load(id, version, known);
			if (known == null) {
				return null;
			}
		}
		MapSession copy = new MapSession(known.session);
		copy.setLastAccessedTime(known.expiry.minus(horizon(copy.getMaxInactiveInterval())));
		if (copy.isExpired()) {
			deleteById(id);
			return null;
		}
		return new SharedSession(copy, known.expiry, this.saveMode);
	}

	/**
	 * Read a session from its file: it changed since this worker read it, or it seems to
	 * have expired (another worker may have moved its expiry since).
	 */
	private @Nullable Decoded load(String id, long version, @Nullable Decoded known) {
		SessionFiles.Stored stored;
		try {
			stored = this.files.read(id);
		}
		catch (IOException ex) {
			throw failure("read", ex);
		}
		if (stored == null) {
			this.decoded.remove(id);
			return null;
		}
		MapSession session;
		if (known != null && Arrays.equals(known.data, stored.data())) {
			session = known.session;
		}
		else {
			session = this.codec.decode(stored.data());
			if (!id.equals(session.getId())) {
				return null;
			}
		}
		Decoded loaded = new Decoded(stored.data(), session, version, stored.expiry());
		remember(id, loaded);
		return loaded;
	}

	@Override
	public void deleteById(String id) {
		this.decoded.remove(id);
		try {
			this.files.delete(id);
		}
		catch (IOException ex) {
			throw failure("delete", ex);
		}
	}

	private void remember(String id, Decoded decoded) {
		if (this.decoded.size() >= MAX_DECODED) {
			this.decoded.clear();
		}
		this.decoded.put(id, decoded);
	}

	private RuntimeException failure(String action, IOException ex) {
		String reason = (ex instanceof FileSystemException fileSystem && fileSystem.getReason() != null)
				? fileSystem.getReason() : ex.toString();
		return new UncheckedIOException(
				"Cannot " + action + " an HTTP session in " + this.files.directory() + " (" + reason
						+ "). forker keeps the sessions of every worker there, in memory on /dev/shm when the host "
						+ "has room: free space on that file system, set forker.sessions.max-memory lower (now "
						+ this.maxMemory + " bytes), or set forker.sessions.enabled=false to keep sessions per worker.",
				ex);
	}

	private static Instant expiry(MapSession session) {
		return session.getLastAccessedTime().plus(horizon(session.getMaxInactiveInterval()));
	}

	private static Duration horizon(Duration maxInactiveInterval) {
		return maxInactiveInterval.isNegative() ? NEVER : maxInactiveInterval;
	}

	/**
	 * A session this worker read (or wrote), decoded, with the bytes, the version and the
	 * expiry it was read at.
	 */
	private static final class Decoded {

		private final byte[] data;

		private final MapSession session;

		private final long version;

		private volatile Instant expiry;

		Decoded(byte[] data, MapSession session, long version, Instant expiry) {
			this.data = data;
			this.session = session;
			this.version = version;
			this.expiry = expiry;
		}

	}

	/**
	 * A session of a {@link SharedSessionRepository}: a {@link MapSession} that knows
	 * whether it changed since it was read.
	 */
	public static final class SharedSession implements Session {

		private final MapSession delegate;

		private final SaveMode saveMode;

		private @Nullable String originalId;

		private @Nullable Instant stored;

		private boolean changed;

		SharedSession(MapSession delegate, @Nullable Instant stored, SaveMode saveMode) {
			this.delegate = delegate;
			this.stored = stored;
			this.saveMode = saveMode;
			this.originalId = (stored != null) ? delegate.getId() : null;
		}

		private void saved(Instant expiry) {
			this.stored = expiry;
			this.originalId = this.delegate.getId();
			this.changed = false;
		}

		@Override
		public String getId() {
			return this.delegate.getId();
		}

		@Override
		public String changeSessionId() {
			this.changed = true;
			return this.delegate.changeSessionId();
		}

		@Override
		public <T> @Nullable T getAttribute(String attributeName) {
			T value = this.delegate.getAttribute(attributeName);
			if (value != null && this.saveMode == SaveMode.ON_GET_ATTRIBUTE) {
				this.changed = true;
			}
			return value;
		}

		@Override
		public Set<String> getAttributeNames() {
			return this.delegate.getAttributeNames();
		}

		@Override
		public void setAttribute(String attributeName, @Nullable Object attributeValue) {
			this.changed = true;
			this.delegate.setAttribute(attributeName, attributeValue);
		}

		@Override
		public void removeAttribute(String attributeName) {
			this.changed = true;
			this.delegate.removeAttribute(attributeName);
		}

		@Override
		public Instant getCreationTime() {
			return this.delegate.getCreationTime();
		}

		@Override
		public void setLastAccessedTime(Instant lastAccessedTime) {
			this.delegate.setLastAccessedTime(lastAccessedTime);
		}

		@Override
		public Instant getLastAccessedTime() {
			return this.delegate.getLastAccessedTime();
		}

		@Override
		public void setMaxInactiveInterval(Duration interval) {
			this.changed = true;
			this.delegate.setMaxInactiveInterval(interval);
		}

		@Override
		public Duration getMaxInactiveInterval() {
			return this.delegate.getMaxInactiveInterval();
		}

		@Override
		public boolean isExpired() {
			return this.delegate.isExpired();
		}

	}

}
