package dev.forker.boot.logging;

import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.LoggingEvent;

/**
 * A log event a worker already encoded for a file appender, to be written to the master's
 * file appender of the same name as it is.
 *
 * @since 0.1.0
 */
final class ForwardedEvent extends LoggingEvent {

	private final byte[] bytes;

	ForwardedEvent(byte[] bytes) {
		this.bytes = bytes;
		setLevel(Level.INFO);
		setLoggerName(ForwardedEvent.class.getName());
		setMessage("");
		setThreadName("forker-log-server");
		setTimeStamp(System.currentTimeMillis());
	}

	byte[] bytes() {
		return this.bytes;
	}

	@Override
	public void prepareForDeferredProcessing() {
		// Formatted in the worker already
	}

	@Override
	public Map<String, String> getMDCPropertyMap() {
		return Map.of();
	}

}
