package dev.forker.boot.launch;

import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalysisReporter;

import dev.forker.boot.worker.WorkerAgent;

/**
 * Hands a worker's failure analysis to its master, so that a start that cannot succeed
 * ends with the master printing what Spring Boot would print: what went wrong and what to
 * do.
 *
 * @since 0.1.0
 */
public class WorkerFailureAnalysisReporter implements FailureAnalysisReporter {

	@Override
	public void report(FailureAnalysis analysis) {
		WorkerAgent agent = WorkerAgent.current();
		if (agent != null) {
			Throwable cause = analysis.getCause();
			String reason = (cause != null) ? cause.getClass().getName() + ": " + cause.getMessage()
					: analysis.getDescription();
			agent.reportStartupFailed(reason.replaceAll("\\s+", " "), analysis.getDescription(), analysis.getAction());
		}
	}

}
