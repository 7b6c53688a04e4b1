package dev.forker.boot.logging;

import java.util.List;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Prepares one of the master's file appenders to write what workers forward: such an
 * event passes its filters (the worker applied them already) and is written as the worker
 * encoded it; the master's own events are filtered and encoded as before.
 *
 * @since 0.1.0
 */
final class ForwardedEventsFirst {

	private ForwardedEventsFirst() {
	}

	static void prepare(OutputStreamAppender<ILoggingEvent> appender) {
		Encoder<ILoggingEvent> encoder = appender.getEncoder();
		if (!(encoder instanceof PassThroughEncoder)) {
			PassThroughEncoder passThrough = new PassThroughEncoder(encoder);
			passThrough.setContext(appender.getContext());
			passThrough.start();
			appender.setEncoder(passThrough);
			acceptForwardedEventsFirst(appender);
		}
	}

	private static void acceptForwardedEventsFirst(Appender<ILoggingEvent> appender) {
		List<Filter<ILoggingEvent>> filters = appender.getCopyOfAttachedFiltersList();
		appender.clearAllFilters();
		Filter<ILoggingEvent> accept = new Filter<>() {

			@Override
			public FilterReply decide(ILoggingEvent event) {
				return (event instanceof ForwardedEvent) ? FilterReply.ACCEPT : FilterReply.NEUTRAL;
			}

		};
		accept.start();
		appender.addFilter(accept);
		filters.forEach(appender::addFilter);
	}

	/**
	 * Writes a forwarded event's bytes as they are, and encodes other events with the
	 * appender's own encoder.
	 */
	static final class PassThroughEncoder extends EncoderBase<ILoggingEvent> {

		private final Encoder<ILoggingEvent> delegate;

		PassThroughEncoder(Encoder<ILoggingEvent> delegate) {
			this.delegate = delegate;
		}

		@Override
		public byte[] headerBytes() {
			return this.delegate.headerBytes();
		}

		@Override
		public byte[] encode(ILoggingEvent event) {
			return (event instanceof ForwardedEvent forwarded) ? forwarded.bytes() : this.delegate.encode(event);
		}

		@Override
		public byte[] footerBytes() {
			return this.delegate.footerBytes();
		}

	}

}
