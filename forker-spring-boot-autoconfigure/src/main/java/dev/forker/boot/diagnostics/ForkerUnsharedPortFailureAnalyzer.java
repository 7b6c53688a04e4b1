package dev.forker.boot.diagnostics;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains a {@link ForkerUnsharedPortException}.
 *
 * @since 0.1.0
 */
class ForkerUnsharedPortFailureAnalyzer extends AbstractFailureAnalyzer<ForkerUnsharedPortException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, ForkerUnsharedPortException cause) {
		return new FailureAnalysis(
				cause.getMessage() + ". Every worker would bind it on its own, so all but one "
						+ "would fail to start.",
				"Serve it from one of the shared ports (" + cause.getSharedPorts() + "): an additional Tomcat or Jetty "
						+ "connector, or a server the application starts itself, cannot be shared. Otherwise run "
						+ "this application without prefork mode (forker.enabled=false).",
				cause);
	}

}
