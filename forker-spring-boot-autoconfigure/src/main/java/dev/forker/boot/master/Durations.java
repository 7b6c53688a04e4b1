package dev.forker.boot.master;

import java.time.Duration;
import java.util.Locale;

/**
 * Formats durations for log lines and messages the way they are written in properties:
 * {@code 40s}, {@code 5m}, {@code 500ms}, or {@code 2.3s}.
 *
 * @since 0.1.0
 */
final class Durations {

	private Durations() {
	}

	static String format(Duration duration) {
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
