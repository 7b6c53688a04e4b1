package dev.forker.boot.master;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.forker.boot.diagnostics.Durations;

/**
 * How the master's log lines name workers and durations.
 *
 * @since 0.1.0
 */
final class LogText {

	private LogText() {
	}

	static String describe(List<WorkerProcess> processes) {
		List<String> names = new ArrayList<>();
		processes.forEach((process) -> names.add(process.toString()));
		return String.join(", ", names);
	}

	static String capitalize(String text) {
		return Character.toUpperCase(text.charAt(0)) + text.substring(1);
	}

	static String format(Duration duration) {
		return Durations.format(duration);
	}

}
