package dev.forker.boot.control;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Splits a byte stream into newline-terminated lines of bounded length. A line longer
 * than the bound is reported once and skipped up to its newline, so that one bad message
 * never makes the reader lose track of the next ones.
 *
 * @since 0.1.0
 */
public final class LineFramer {

	private static final byte[] EMPTY = new byte[0];

	private static final int INITIAL_CAPACITY = 256;

	private final int maxLineBytes;

	private byte[] buffer = EMPTY;

	private int length;

	private boolean skipping;

	/**
	 * Create a framer for lines of at most {@code maxLineBytes} bytes. Its buffer grows
	 * with the longest line seen and is released once no partial line is kept.
	 * @param maxLineBytes the longest accepted line, newline excluded
	 */
	public LineFramer(int maxLineBytes) {
		this.maxLineBytes = maxLineBytes;
	}

	/**
	 * Consume all remaining bytes of {@code input}.
	 * @param input the bytes read
	 * @param handler receives complete lines and oversized-line reports
	 */
	public void feed(ByteBuffer input, Handler handler) {
		while (input.hasRemaining()) {
			byte b = input.get();
			if (b == '\n') {
				if (this.skipping) {
					this.skipping = false;
				}
				else if (this.length > 0) {
					handler.line(this.buffer, 0, this.length);
				}
				this.length = 0;
			}
			else if (!this.skipping) {
				if (this.length == this.maxLineBytes) {
					this.skipping = true;
					this.length = 0;
					this.buffer = EMPTY;
					handler.oversized(this.maxLineBytes);
				}
				else {
					if (this.length == this.buffer.length) {
						grow();
					}
					this.buffer[this.length++] = b;
				}
			}
		}
		if (this.length == 0 && this.buffer.length > INITIAL_CAPACITY) {
			// Idle connections keep no large buffer
			this.buffer = EMPTY;
		}
	}

	/**
	 * Return the size of the buffer this framer holds now.
	 * @return the buffer size in bytes
	 */
	int bufferSize() {
		return this.buffer.length;
	}

	private void grow() {
		int capacity = Math.max(INITIAL_CAPACITY, this.buffer.length * 2);
		this.buffer = Arrays.copyOf(this.buffer, Math.min(capacity, this.maxLineBytes));
	}

	/**
	 * Receives what a {@link LineFramer} finds.
	 */
	public interface Handler {

		/**
		 * A complete line, newline excluded. The bytes are only valid during the call.
		 * @param bytes the buffer
		 * @param offset the start of the line
		 * @param length the length of the line
		 */
		void line(byte[] bytes, int offset, int length);

		/**
		 * A line longer than the limit was found and is being skipped.
		 * @param limit the limit in bytes
		 */
		void oversized(int limit);

	}

}
