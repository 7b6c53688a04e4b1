package dev.forker.boot.master;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.forker.boot.control.ControlMessage;

/**
 * The HTTP sessions of every worker, kept in the master so that a session created on one
 * worker is seen by all, and outlives the worker: a rolling restart or a crash logs
 * nobody out. Workers store each session as opaque bytes (their serialized form) over the
 * control channel, which only the master's own workers can reach.
 * <p>
 * Memory is bounded: a session expires after its own maximum inactive interval, and when
 * the store holds {@code forker.sessions.max-sessions} sessions or
 * {@code forker.sessions.max-memory} bytes, the sessions used least recently make room
 * for new ones, so that a flood of new sessions logs out idle users rather than taking
 * the master down.
 *
 * @since 0.1.0
 */
final class SessionStore {

	private static final Log logger = LogFactory.getLog(SessionStore.class);

	private static final long EVICTION_LOG_INTERVAL_NANOS = TimeUnit.MINUTES.toNanos(1);

	/**
	 * What a session costs beyond its bytes: the entry, its id and the map's node.
	 */
	static final int OVERHEAD_BYTES = 160;

	private final int maxSessions;

	private final long maxBytes;

	// Access order: the eldest entry is the session used least recently
	private final LinkedHashMap<String, Entry> sessions = new LinkedHashMap<>(16, 0.75f, true);

	private long bytes;

	private long evicted;

	private long lastEvictionLogNanos = Long.MIN_VALUE;

	private long nextSweepNanos;

	SessionStore(int maxSessions, long maxBytes) {
		this.maxSessions = maxSessions;
		this.maxBytes = maxBytes;
	}

	/**
	 * Return a session that has not expired.
	 * @param id the session id
	 * @param now the time now
	 * @return its bytes, or {@code null}
	 */
	byte @Nullable [] load(String id, long now) {
		Entry entry = this.sessions.get(id);
		if (entry == null) {
			return null;
		}
		if (entry.expired(now)) {
			remove(id);
			return null;
		}
		return entry.data;
	}

	/**
	 * Store a session, replacing its previous version and, when its id changed, the
	 * session under its former id.
	 * @param id the session id
	 * @param originalId the id the session had when it was loaded, or {@code null}
	 * @param data the session's bytes
	 * @param maxInactiveNanos how long the session lives unused, or a negative value for
	 * ever
	 * @param now the time now
	 */
	void save(String id, @Nullable String originalId, byte[] data, long maxInactiveNanos, long now) {
		if (originalId != null && !originalId.equals(id)) {
			remove(originalId);
		}
		remove(id);
		Entry entry = new Entry(data, (maxInactiveNanos >= 0) ? now + maxInactiveNanos : Long.MAX_VALUE,
				maxInactiveNanos >= 0);
		makeRoom(size(id, data), now);
		this.sessions.put(id, entry);
		this.bytes += size(id, data);
	}

	/**
	 * Answer a worker's request.
	 * @param request the request
	 * @param now the time now
	 * @return the reply
	 */
	ControlMessage.SessionReply handle(ControlMessage.SessionRequest request, long now) {
		byte[] data = null;
		switch (request.operation()) {
			case LOAD -> data = load(request.id(), now);
			case SAVE -> {
				byte[] session = request.data();
				if (session != null) {
					long maxInactive = request.maxInactiveSeconds();
					save(request.id(), request.originalId(), session,
							(maxInactive >= 0) ? TimeUnit.SECONDS.toNanos(maxInactive) : -1, now);
				}
			}
			case DELETE -> delete(request.id());
		}
		return new ControlMessage.SessionReply(request.requestId(), data);
	}

	/**
	 * Remove the sessions that have expired, at most once a second.
	 * @param now the time now
	 */
	void sweep(long now) {
		if (now - this.nextSweepNanos >= 0) {
			this.nextSweepNanos = now + TimeUnit.SECONDS.toNanos(1);
			removeExpired(now);
		}
	}

	/**
	 * Remove a session.
	 * @param id the session id
	 */
	void delete(String id) {
		remove(id);
	}

	/**
	 * Remove the sessions that have expired.
	 * @param now the time now
	 * @return how many were removed
	 */
	int removeExpired(long now) {
		int removed = 0;
		Iterator<Map.Entry<String, Entry>> entries = this.sessions.entrySet().iterator();
		while (entries.hasNext()) {
			Map.Entry<String, Entry> entry = entries.next();
			if (entry.getValue().expired(now)) {
				entries.remove();
				this.bytes -= size(entry.getKey(), entry.getValue().data);
				removed++;
			}
		}
		return removed;
	}

	/**
	 * Write the sessions that have not expired to a new file that only this user can
	 * read, for the master that replaces this one in place.
	 * @param file the file, which must not exist
	 * @param now the time now
	 * @return the number of sessions written
	 * @throws IOException if the file cannot be written
	 */
	int writeTo(Path file, long now) throws IOException {
		Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		int written = 0;
		try (DataOutputStream out = new DataOutputStream(
				new BufferedOutputStream(Files.newOutputStream(file, StandardOpenOption.WRITE)))) {
			out.writeInt(this.sessions.size());
			for (Map.Entry<String, Entry> entry : this.sessions.entrySet()) {
				Entry session = entry.getValue();
				boolean expired = session.expired(now);
				out.writeUTF(entry.getKey());
				out.writeLong(expired ? 0 : (session.expires ? session.expiresAtNanos - now : -1));
				out.writeInt(session.data.length);
				out.write(session.data);
				written += expired ? 0 : 1;
			}
		}
		return written;
	}

	/**
	 * Take the sessions a replaced master wrote with {@link #writeTo(Path, long)}.
	 * @param file the file
	 * @param now the time now
	 * @return the number of sessions taken
	 * @throws IOException if the file cannot be read
	 */
	int readFrom(Path file, long now) throws IOException {
		int taken = 0;
		try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
			int count = in.readInt();
			for (int i = 0; i < count; i++) {
				String id = in.readUTF();
				long remaining = in.readLong();
				byte[] data = in.readNBytes(in.readInt());
				if (remaining != 0) {
					save(id, null, data, remaining, now);
					taken++;
				}
			}
		}
		return taken;
	}

	int count() {
		return this.sessions.size();
	}

	long bytes() {
		return this.bytes;
	}

	long evicted() {
		return this.evicted;
	}

	private void makeRoom(long needed, long now) {
		if (this.sessions.size() < this.maxSessions && this.bytes + needed <= this.maxBytes) {
			return;
		}
		removeExpired(now);
		int evictedNow = 0;
		Iterator<Map.Entry<String, Entry>> eldest = this.sessions.entrySet().iterator();
		while (eldest.hasNext() && (this.sessions.size() >= this.maxSessions || this.bytes + needed > this.maxBytes)) {
			Map.Entry<String, Entry> entry = eldest.next();
			eldest.remove();
			this.bytes -= size(entry.getKey(), entry.getValue().data);
			evictedNow++;
		}
		this.evicted += evictedNow;
		if (evictedNow > 0 && (this.lastEvictionLogNanos == Long.MIN_VALUE
				|| now - this.lastEvictionLogNanos >= EVICTION_LOG_INTERVAL_NANOS)) {
			this.lastEvictionLogNanos = now;
			logger.warn("The session store is full (forker.sessions.max-sessions=" + this.maxSessions
					+ ", forker.sessions.max-memory=" + this.maxBytes + " bytes): removed the sessions used least "
					+ "recently, " + this.evicted + " so far. Raise the limits if these users were active.");
		}
	}

	private void remove(String id) {
		Entry removed = this.sessions.remove(id);
		if (removed != null) {
			this.bytes -= size(id, removed.data);
		}
	}

	private static long size(String id, byte[] data) {
		return (long) data.length + 2L * id.length() + OVERHEAD_BYTES;
	}

	private record Entry(byte[] data, long expiresAtNanos, boolean expires) {

		boolean expired(long now) {
			return this.expires && now - this.expiresAtNanos >= 0;
		}

	}

}
