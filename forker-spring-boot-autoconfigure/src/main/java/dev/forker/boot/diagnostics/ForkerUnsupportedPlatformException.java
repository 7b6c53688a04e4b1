package dev.forker.boot.diagnostics;

/**
 * Thrown when forker runs on a platform that lacks what prefork mode needs:
 * {@code SO_REUSEPORT} and POSIX process control.
 *
 * @since 0.1.0
 */
public class ForkerUnsupportedPlatformException extends RuntimeException {

	/**
	 * Create a new instance.
	 * @param message what is missing on this platform
	 */
	public ForkerUnsupportedPlatformException(String message) {
		super(message);
	}

}
