package dev.forker.boot.logging;

import java.io.File;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.spi.AppenderAttachable;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * The file appenders of this JVM's Logback configuration, wherever they are attached: to
 * a logger, or inside another appender such as an {@code AsyncAppender}.
 *
 * @since 0.1.0
 */
final class FileAppenders {

	private FileAppenders() {
	}

	/**
	 * Return this JVM's Logback context, if Logback is the logging system.
	 * @return the context, or {@code null}
	 */
	static @Nullable LoggerContext context() {
		try {
			return (LoggerFactory.getILoggerFactory() instanceof LoggerContext context) ? context : null;
		}
		catch (LinkageError ex) {
			return null;
		}
	}

	/**
	 * Find every file appender and where it is attached.
	 * @param context the Logback context
	 * @return the attachments, in the order found
	 */
	static List<Attachment> find(LoggerContext context) {
		List<Attachment> found = new ArrayList<>();
		for (Logger logger : context.getLoggerList()) {
			collect(logger, found);
		}
		return found;
	}

	/**
	 * Return the file appenders by name.
	 * @param context the Logback context
	 * @return the appenders
	 */
	static Map<String, FileAppender<ILoggingEvent>> byName(LoggerContext context) {
		Map<String, FileAppender<ILoggingEvent>> appenders = new LinkedHashMap<>();
		for (Attachment attachment : find(context)) {
			appenders.putIfAbsent(attachment.appender().getName(), attachment.appender());
		}
		return appenders;
	}

	@SuppressWarnings("unchecked")
	private static void collect(AppenderAttachable<ILoggingEvent> attachable, List<Attachment> found) {
		Iterator<Appender<ILoggingEvent>> appenders = attachable.iteratorForAppenders();
		while (appenders.hasNext()) {
			Appender<ILoggingEvent> appender = appenders.next();
			if (appender instanceof FileAppender<ILoggingEvent> file) {
				found.add(new Attachment(attachable, file));
			}
			else if (appender instanceof AppenderAttachable<?> nested) {
				collect((AppenderAttachable<ILoggingEvent>) nested, found);
			}
		}
	}

	/**
	 * Return the absolute path a file appender writes, for comparing it with another's.
	 * @param appender the appender
	 * @return the path, or an empty string
	 */
	static String path(FileAppender<?> appender) {
		String file = appender.getFile();
		return (file != null) ? new File(file).getAbsolutePath() : "";
	}

	/**
	 * A file appender and what it is attached to.
	 *
	 * @param attachable a logger or an appender
	 * @param appender the file appender
	 */
	record Attachment(AppenderAttachable<ILoggingEvent> attachable, FileAppender<ILoggingEvent> appender) {

	}

}
