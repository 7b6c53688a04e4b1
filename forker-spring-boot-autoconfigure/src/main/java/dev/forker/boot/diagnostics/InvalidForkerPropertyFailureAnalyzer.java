package dev.forker.boot.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link InvalidForkerPropertyException}.
 *
 * @since 0.1.0
 */
class InvalidForkerPropertyFailureAnalyzer extends AbstractFailureAnalyzer<InvalidForkerPropertyException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidForkerPropertyException cause) {
		return new FailureAnalysis("forker cannot start: " + cause.getMessage() + ".", cause.getAction(), cause);
	}

}
