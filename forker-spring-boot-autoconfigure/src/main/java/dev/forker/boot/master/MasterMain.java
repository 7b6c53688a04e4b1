package dev.forker.boot.master;

import java.io.IOException;
import java.io.UncheckedIOException;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point of the lightweight master: a small JVM (serial GC, small heap, C1 only)
 * that the application's JVM becomes with {@code execve} once it has read and checked the
 * configuration. It keeps the pid, the terminal and the listening socket, but none of the
 * memory the application's JVM spent on Spring Boot.
 *
 * @since 0.1.0
 */
public final class MasterMain {

	private MasterMain() {
	}

	/**
	 * Run the master described by the {@value MasterConfig#VARIABLE} environment
	 * variable.
	 * @param args ignored
	 */
	public static void main(String[] args) {
		String json = System.getenv(MasterConfig.VARIABLE);
		if (json == null) {
			System.err.println("forker: " + MasterMain.class.getName() + " is started by a forker master only");
			System.exit(2);
		}
		MasterConfig config = MasterConfig.fromJson(json);
		configureLogging(config.logging());
		WorkerLaunch launch = new WorkerLaunch(config.commandLine(), config.properties().getWorker().getJvmArgs(),
				config.properties().getWorker().isAutoSize(), config.processors(), config.port(), config.socketMode(),
				config.listenFd(), config.workerEnvironment());
		try {
			System.exit(new Master(config.properties(), launch, PosixProcesses.load(), config.maxWorkers()).run());
		}
		catch (IOException ex) {
			throw new UncheckedIOException("forker master failed", ex);
		}
	}

	/**
	 * Log to the console the way Spring Boot's default pattern does, tagged
	 * {@code [master]}.
	 * @param logging the logging settings
	 */
	private static void configureLogging(MasterConfig.Logging logging) {
		if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
			return;
		}
		context.reset();
		String application = (logging.applicationName() != null) ? "[" + logging.applicationName() + "] " : "";
		PatternLayoutEncoder encoder = new PatternLayoutEncoder();
		encoder.setContext(context);
		encoder.setPattern("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p [master] " + ProcessHandle.current().pid() + " --- "
				+ application.replace("%", "%%") + "[%15.15t] %-40.40logger{39} : %m%n");
		encoder.start();
		ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
		console.setContext(context);
		console.setEncoder(encoder);
		console.start();
		ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
		root.setLevel(Level.WARN);
		root.addAppender(console);
		context.getLogger("dev.forker").setLevel(Level.toLevel(logging.level(), Level.INFO));
	}

}
