package dev.forker.boot.logging;

import org.springframework.util.ClassUtils;

/**
 * Whether Logback is on the class path: log forwarding needs it, and its classes must not
 * be loaded otherwise.
 *
 * @since 0.1.0
 */
final class LogbackPresence {

	private static final boolean PRESENT = ClassUtils.isPresent("ch.qos.logback.classic.LoggerContext",
			LogbackPresence.class.getClassLoader())
			&& ClassUtils.isPresent("org.slf4j.LoggerFactory", LogbackPresence.class.getClassLoader());

	private LogbackPresence() {
	}

	static boolean isPresent() {
		return PRESENT;
	}

}
