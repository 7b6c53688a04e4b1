package dev.forker.boot.control;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Encodes and decodes {@link ControlMessage control messages}: one JSON document per
 * line, at most {@link #MAX_MESSAGE_BYTES} bytes.
 *
 * @since 0.1.0
 */
public final class ControlCodec {

	/**
	 * Largest message accepted on the control channel, newline excluded.
	 */
	public static final int MAX_MESSAGE_BYTES = 64 * 1024;

	private final JsonMapper mapper = JsonMapper.builder().build();

	/**
	 * Encode a message as one line.
	 * @param message the message
	 * @return the encoded line, newline included
	 */
	public byte[] encode(ControlMessage message) {
		byte[] json = this.mapper.writeValueAsBytes(message);
		if (json.length > MAX_MESSAGE_BYTES) {
			throw new IllegalArgumentException(
					"Control message of " + json.length + " bytes exceeds " + MAX_MESSAGE_BYTES + " bytes");
		}
		byte[] line = new byte[json.length + 1];
		System.arraycopy(json, 0, line, 0, json.length);
		line[json.length] = '\n';
		return line;
	}

	/**
	 * Decode one line.
	 * @param bytes the buffer holding the line
	 * @param offset where the line starts
	 * @param length the length of the line, newline excluded
	 * @return the message
	 * @throws InvalidControlMessageException if the line is not a valid message
	 */
	public ControlMessage decode(byte[] bytes, int offset, int length) {
		try {
			ControlMessage message = this.mapper.readValue(bytes, offset, length, ControlMessage.class);
			if (message == null) {
				throw new InvalidControlMessageException("empty message");
			}
			return message;
		}
		catch (JacksonException ex) {
			throw new InvalidControlMessageException(ex.getOriginalMessage());
		}
	}

}
