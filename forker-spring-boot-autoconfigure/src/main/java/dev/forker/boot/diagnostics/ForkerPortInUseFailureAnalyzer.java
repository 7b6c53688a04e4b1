package dev.forker.boot.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link ForkerPortInUseException}.
 *
 * @since 0.1.0
 */
class ForkerPortInUseFailureAnalyzer extends AbstractFailureAnalyzer<ForkerPortInUseException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ForkerPortInUseException cause) {
		int port = cause.getPort();
		return new FailureAnalysis(
				"forker cannot start: " + cause.getMessage() + " (" + cause.getProperty() + "=" + port
						+ "), so no worker was started.",
				"Stop the process that listens on port " + port + " (ss -ltnp 'sport = :" + port
						+ "' names it), or set " + cause.getProperty() + " to a free port.",
				cause);
	}

}
