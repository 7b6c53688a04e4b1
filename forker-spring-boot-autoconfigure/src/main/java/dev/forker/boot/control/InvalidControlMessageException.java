package dev.forker.boot.control;

/**
 * Thrown when bytes on the control channel are not a valid {@link ControlMessage}.
 *
 * @since 0.1.0
 */
public class InvalidControlMessageException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message what is wrong
	 */
	public InvalidControlMessageException(String message) {
		super(message);
	}

}
