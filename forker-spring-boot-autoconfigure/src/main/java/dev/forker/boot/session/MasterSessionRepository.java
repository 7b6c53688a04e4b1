package dev.forker.boot.session;

import java.time.Duration;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;

import org.springframework.session.MapSession;
import org.springframework.session.SessionRepository;

import dev.forker.boot.control.ControlCodec;
import dev.forker.boot.control.ControlMessage;
import dev.forker.boot.control.ControlMessage.SessionOperation;
import dev.forker.boot.worker.WorkerAgent;

/**
 * A Spring Session repository that keeps every session in the forker master, so that a
 * session created on one worker is seen, with its current attributes, by every worker,
 * and outlives the worker. Each use of a session costs a round trip to the master over
 * its Unix socket: one to load it, one to save it at the end of the request.
 *
 * @since 0.1.0
 */
public class MasterSessionRepository implements SessionRepository<MapSession> {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Largest serialized session: it travels base64-encoded in one control message.
	 */
	static final int MAX_SESSION_BYTES = (ControlCodec.MAX_MESSAGE_BYTES - 1024) / 4 * 3;

	private final WorkerAgent agent;

	private final SessionCodec codec;

	private final Supplier<@Nullable Duration> defaultMaxInactiveInterval;

	/**
	 * Create a new instance.
	 * @param agent the worker's link to its master
	 * @param classLoader the application's class loader, which reads attribute values
	 * @param defaultMaxInactiveInterval the time a new session lives unused, or
	 * {@code null} for Spring Session's default
	 */
	public MasterSessionRepository(WorkerAgent agent, ClassLoader classLoader,
			Supplier<@Nullable Duration> defaultMaxInactiveInterval) {
		this.agent = agent;
		this.codec = new SessionCodec(classLoader);
		this.defaultMaxInactiveInterval = defaultMaxInactiveInterval;
	}

	@Override
	public MapSession createSession() {
		MapSession session = new MapSession();
		Duration maxInactive = this.defaultMaxInactiveInterval.get();
		if (maxInactive != null) {
			session.setMaxInactiveInterval(maxInactive);
		}
		return session;
	}

	@Override
	public void save(MapSession session) {
		byte[] data = this.codec.encode(session);
		if (data.length > MAX_SESSION_BYTES) {
			throw new IllegalStateException("A session of " + data.length + " bytes (serialized, attributes "
					+ session.getAttributeNames() + ") is larger than the " + MAX_SESSION_BYTES
					+ " bytes forker keeps per session in its master: keep less in the session, or set "
					+ "forker.sessions.enabled=false to keep sessions per worker.");
		}
		String originalId = session.getOriginalId();
		request(new ControlMessage.SessionRequest(0, SessionOperation.SAVE, session.getId(),
				session.getId().equals(originalId) ? null : originalId, data,
				session.getMaxInactiveInterval().getSeconds()));
	}

	@Override
	public @Nullable MapSession findById(String id) {
		byte[] data = request(new ControlMessage.SessionRequest(0, SessionOperation.LOAD, id, null, null, 0));
		if (data == null) {
			return null;
		}
		MapSession session = this.codec.decode(data);
		if (session.isExpired()) {
			deleteById(id);
			return null;
		}
		return session;
	}

	@Override
	public void deleteById(String id) {
		request(new ControlMessage.SessionRequest(0, SessionOperation.DELETE, id, null, null, 0));
	}

	private byte @Nullable [] request(ControlMessage.SessionRequest request) {
		return this.agent.session(request, TIMEOUT);
	}

}
