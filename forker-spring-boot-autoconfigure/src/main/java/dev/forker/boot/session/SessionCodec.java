package dev.forker.boot.session;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;

import org.springframework.core.ConfigurableObjectInputStream;
import org.springframework.session.MapSession;

/**
 * Turns a session into the bytes of its file, and back: its id, times and attributes,
 * each attribute value in Java serialization, as a servlet container that persists
 * sessions needs it too.
 *
 * @since 0.1.0
 */
final class SessionCodec {

	private static final int VERSION = 1;

	private final ClassLoader classLoader;

	SessionCodec(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	/**
	 * Serialize a session.
	 * @param session the session
	 * @return its bytes
	 * @throws NotSerializableSessionAttributeException if an attribute value cannot be
	 * serialized
	 */
	byte[] encode(MapSession session) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
		try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
			out.writeInt(VERSION);
			out.writeUTF(session.getId());
			out.writeLong(session.getCreationTime().toEpochMilli());
			out.writeLong(session.getLastAccessedTime().toEpochMilli());
			out.writeLong(session.getMaxInactiveInterval().getSeconds());
			out.writeInt(session.getAttributeNames().size());
			for (String name : session.getAttributeNames()) {
				Object value = session.getAttribute(name);
				out.writeUTF(name);
				try {
					out.writeObject(value);
				}
				catch (NotSerializableException ex) {
					throw new NotSerializableSessionAttributeException(name, value, ex);
				}
			}
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot serialize session", ex);
		}
		return bytes.toByteArray();
	}

	/**
	 * Read a session.
	 * @param data its bytes
	 * @return the session
	 */
	MapSession decode(byte[] data) {
		try (ObjectInputStream in = new ConfigurableObjectInputStream(new ByteArrayInputStream(data),
				this.classLoader)) {
			int version = in.readInt();
			if (version != VERSION) {
				throw new IOException("Unknown session format " + version);
			}
			MapSession session = new MapSession(in.readUTF());
			session.setCreationTime(Instant.ofEpochMilli(in.readLong()));
			session.setLastAccessedTime(Instant.ofEpochMilli(in.readLong()));
			session.setMaxInactiveInterval(Duration.ofSeconds(in.readLong()));
			int attributes = in.readInt();
			for (int i = 0; i < attributes; i++) {
				String name = in.readUTF();
				session.setAttribute(name, in.readObject());
			}
			return session;
		}
		catch (IOException | ClassNotFoundException ex) {
			throw new IllegalStateException("Cannot read an HTTP session: " + ex, ex);
		}
	}

}
