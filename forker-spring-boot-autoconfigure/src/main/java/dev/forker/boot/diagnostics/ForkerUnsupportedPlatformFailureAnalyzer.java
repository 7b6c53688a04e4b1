package dev.forker.boot.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link ForkerUnsupportedPlatformException}.
 *
 * @since 0.1.0
 */
class ForkerUnsupportedPlatformFailureAnalyzer extends AbstractFailureAnalyzer<ForkerUnsupportedPlatformException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ForkerUnsupportedPlatformException cause) {
		return new FailureAnalysis("forker cannot start: " + cause.getMessage() + ".",
				"Run prefork mode on Linux or macOS, or set forker.enabled=false to run this application as a single process here.",
				cause);
	}

}
