package dev.forker.boot.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link ForkerMemoryExceededException}.
 *
 * @since 0.1.0
 */
class ForkerMemoryExceededFailureAnalyzer extends AbstractFailureAnalyzer<ForkerMemoryExceededException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ForkerMemoryExceededException cause) {
		return new FailureAnalysis(
				"forker cannot start: " + cause.getMessage() + " With " + ForkerMemoryExceededException.PROPERTY
						+ "=fail forker refuses to start then: no worker was started " + "and no port was taken.",
				cause.getAction() + " Or set " + ForkerMemoryExceededException.PROPERTY
						+ "=warn to start anyway with a warning.",
				cause);
	}

}
