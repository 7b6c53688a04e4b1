package dev.forker.boot.posix;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.ffi.types.intptr_t;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Routes the signals an operator sends to the master into the master's own thread.
 * Handling {@code TERM} and {@code INT} here replaces the JVM's default (run the shutdown
 * hooks and exit), so that the master can stop its workers first.
 * <p>
 * A process started under {@code nohup} has {@code SIGHUP} ignored, and one started in
 * the background by a shell without job control has {@code SIGINT} ignored. The JVM does
 * not install a handler for a shutdown signal ({@code HUP}, {@code INT}, {@code TERM})
 * that was ignored when it started, and says nothing: such a signal is given its default
 * disposition back first, so that the master handles it however it was started (as nginx,
 * gunicorn and Puma do). Its workers then inherit the default disposition too.
 *
 * @since 0.1.0
 */
@SuppressWarnings("restriction")
public final class Signals {

	private static final Log logger = LogFactory.getLog(Signals.class);

	/**
	 * {@code SIG_DFL}, 0 on Linux and macOS.
	 */
	private static final long SIG_DFL = 0;

	/**
	 * {@code SIG_ERR}, -1 on Linux and macOS.
	 */
	private static final long SIG_ERR = -1;

	private Signals() {
	}

	/**
	 * Hand the named signals to {@code handler}, including those that this process
	 * inherited as ignored.
	 * @param handler receives the signal name, such as {@code TERM}, on a signal thread
	 * @param names the signal names
	 * @return the names of the signals that could not be handled (logged at WARN)
	 */
	public static List<String> install(Consumer<String> handler, String... names) {
		List<String> unhandled = new ArrayList<>();
		for (String name : names) {
			Signal signal = new Signal(name);
			SignalHandler route = (received) -> handler.accept(received.getName());
			SignalHandler previous = Signal.handle(signal, route);
			if (previous == SignalHandler.SIG_IGN && !handleIgnored(signal, route)) {
				unhandled.add(name);
				logger.warn("SIG" + name + " was ignored when this process started (as under nohup) and cannot be "
						+ "handled: forker does not act on it. Start the application without ignoring SIG" + name
						+ ", or use the forker actuator endpoint instead");
			}
		}
		return unhandled;
	}

	/**
	 * Give an ignored signal its default disposition back, then install the handler
	 * again: the JVM installs its own handler only for a signal that is not ignored.
	 * @param signal the signal
	 * @param route the handler
	 * @return whether the handler is installed
	 */
	private static boolean handleIgnored(Signal signal, SignalHandler route) {
		try {
			if (signalFunctions().signal(signal.getNumber(), SIG_DFL) == SIG_ERR) {
				return false;
			}
		}
		catch (LinkageError | RuntimeException ex) {
			logger.debug("Could not reset the disposition of SIG" + signal.getName(), ex);
			return false;
		}
		// Handled now by the JVM: the handler replaced is the default one
		return Signal.handle(signal, route) == SignalHandler.SIG_DFL;
	}

	private static SignalFunctions signalFunctions() {
		return LibraryLoader.create(SignalFunctions.class).load(Platform.getNativePlatform().getStandardCLibraryName());
	}

	/**
	 * The C library's {@code signal}, which jnr-posix offers only to install a handler of
	 * its own.
	 */
	public interface SignalFunctions {

		/**
		 * {@code sighandler_t signal(int signum, sighandler_t handler)}.
		 * @param signum the signal number
		 * @param handler the new disposition ({@code SIG_DFL} is 0)
		 * @return the previous disposition, or {@code SIG_ERR}
		 */
		@intptr_t
		long signal(int signum, @intptr_t long handler);

	}

}
