package dev.forker.boot.diagnostics;

import java.time.Duration;
import java.util.Locale;

/**
 * Formats durations for log lines and messages the way they are written in properties:
 * {@code 40s}, {@code 5m}, {@code 500ms}, or {@code 2.3s}.
 *
 * @since 0.1.0
 */
public final class Durations {

	private Durations() {
	}

	/**
	 * Format a duration.
	 * @param duration the duration
	 * @return the text, such as {@code 40s}
	 */
	public static String format(Duration duration) {
		long millis = duration.toMillis();
		if (millis != 0 && millis % 3_600_000 == 0) {
			return (millis / 3_600_000) + "h";
		}
		if (millis != 0 && millis % 60_000 == 0) {
			return (millis / 60_000) + "m";
		}
		if (millis % 1000 == 0) {
			return (millis / 1000) + "s";
		}
		if (Math.abs(millis) < 1000) {
			return millis + "ms";
		}
		return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
	}

}
