package dev.forker.boot.diagnostics;

/**
 * Thrown when the workers of a forker master may claim more memory than the deployment
 * has and {@code forker.worker.memory-check} is {@code fail}.
 *
 * @since 0.1.0
 */
public class ForkerMemoryExceededException extends RuntimeException {

	/**
	 * The property that turns the warning into this failure.
	 */
	public static final String PROPERTY = "forker.worker.memory-check";

	private final String action;

	/**
	 * Create a new instance.
	 * @param figures what the workers may claim and what the deployment has, and where
	 * the heap option came from
	 * @param action what the user should do
	 */
	public ForkerMemoryExceededException(String figures, String action) {
		super(figures);
		this.action = action;
	}

	public String getAction() {
		return this.action;
	}

}
