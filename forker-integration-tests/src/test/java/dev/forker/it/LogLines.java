package dev.forker.it;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Finds the lines of a log that report errors: lines at ERROR level (in Spring Boot's
 * console format or a structured JSON format), the lines of exception stack traces, and
 * the JDK's warnings about restricted or deprecated methods.
 */
final class LogLines {

	private static final Pattern ERROR_LEVEL = Pattern
		.compile("^\\S+\\s+ERROR\\s|\"(log\\.)?level\"\\s*:\\s*\"ERROR\"");

	private static final Pattern STACK_TRACE = Pattern
		.compile("^\\s+at [\\w$.]+\\(|^Caused by: |^(\\w+\\.)+\\w*(Exception|Error)(: |$)");

	/**
	 * What the JDK prints about restricted or deprecated methods, which a future JDK
	 * turns into errors.
	 */
	private static final Pattern JDK_WARNING = Pattern.compile("^WARNING: ");

	private static final int MAX_REPORTED = 30;

	private LogLines() {
	}

	/**
	 * Return the error lines of a log, except those that match an expected pattern.
	 * @param log the log
	 * @param expected regular expressions of error lines that are expected (found
	 * anywhere in the line)
	 * @return the unexpected error lines, at most 30
	 */
	static List<String> errors(String log, String... expected) {
		List<Pattern> allowed = new ArrayList<>();
		for (String pattern : expected) {
			allowed.add(Pattern.compile(pattern));
		}
		List<String> errors = new ArrayList<>();
		for (String line : log.split("\n")) {
			if (isError(line) && allowed.stream().noneMatch((pattern) -> pattern.matcher(line).find())) {
				errors.add(line);
				if (errors.size() == MAX_REPORTED) {
					break;
				}
			}
		}
		return errors;
	}

	static boolean isError(String line) {
		return ERROR_LEVEL.matcher(line).find() || STACK_TRACE.matcher(line).find() || JDK_WARNING.matcher(line).find();
	}

}
