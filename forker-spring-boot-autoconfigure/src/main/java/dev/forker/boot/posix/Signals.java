package dev.forker.boot.posix;

import java.util.function.Consumer;

import sun.misc.Signal;

/**
 * Routes the signals an operator sends to the master into the master's own thread.
 * Handling {@code TERM} and {@code INT} here replaces the JVM's default (run the shutdown
 * hooks and exit), so that the master can stop its workers first.
 *
 * @since 0.1.0
 */
@SuppressWarnings("restriction")
public final class Signals {

	private Signals() {
	}

	/**
	 * Hand the named signals to {@code handler}.
	 * @param handler receives the signal name, such as {@code TERM}, on a signal thread
	 * @param names the signal names
	 */
	public static void install(Consumer<String> handler, String... names) {
		for (String name : names) {
			Signal.handle(new Signal(name), (signal) -> handler.accept(signal.getName()));
		}
	}

}
