package dev.forker.boot.diagnostics;

/**
 * Thrown when a {@code forker.*} property has a value forker cannot work with.
 *
 * @since 0.1.0
 */
public class InvalidForkerPropertyException extends RuntimeException {

	private final String property;

	private final Object value;

	private final String action;

	/**
	 * Create a new instance.
	 * @param property the name of the property, for example {@code forker.workers}
	 * @param value the rejected value
	 * @param problem what is wrong with the value
	 * @param action what the user should do instead
	 */
	public InvalidForkerPropertyException(String property, Object value, String problem, String action) {
		super(property + "=" + value + " is invalid: " + problem);
		this.property = property;
		this.value = value;
		this.action = action;
	}

	public String getProperty() {
		return this.property;
	}

	public Object getValue() {
		return this.value;
	}

	public String getAction() {
		return this.action;
	}

}
