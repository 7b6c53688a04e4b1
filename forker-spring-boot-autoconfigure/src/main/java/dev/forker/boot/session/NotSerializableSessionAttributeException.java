package dev.forker.boot.session;

import java.io.NotSerializableException;

import org.jspecify.annotations.Nullable;

/**
 * A session attribute cannot be kept where every worker sees it (the shared session
 * files), because its value cannot be serialized.
 *
 * @since 0.1.0
 */
public class NotSerializableSessionAttributeException extends IllegalStateException {

	private final String attribute;

	/**
	 * Create a new instance.
	 * @param attribute the name of the attribute
	 * @param value its value
	 * @param cause the serialization failure
	 */
	public NotSerializableSessionAttributeException(String attribute, @Nullable Object value,
			NotSerializableException cause) {
		super("Session attribute '" + attribute + "' holds a " + ((value != null) ? value.getClass().getName() : "null")
				+ ", which cannot be serialized (" + cause.getMessage()
				+ " is not Serializable): forker keeps HTTP sessions in files that every " + "worker reads. Make "
				+ cause.getMessage() + " implement java.io.Serializable, keep the value "
				+ "out of the session, or set forker.sessions.enabled=false to keep sessions per worker.", cause);
		this.attribute = attribute;
	}

	/**
	 * Return the name of the attribute.
	 * @return the attribute
	 */
	public String getAttribute() {
		return this.attribute;
	}

}
