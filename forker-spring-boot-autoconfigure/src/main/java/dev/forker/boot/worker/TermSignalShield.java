package dev.forker.boot.worker;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Keeps a worker alive while its master replaces itself in place. A worker started
 * through {@code setpriv --pdeathsig TERM} gets {@code SIGTERM} when the master's
 * <em>thread</em> that started it ends, and {@code execve} ends every thread of the
 * master but the one that calls it. For that short time the worker ignores
 * {@code SIGTERM}, and takes it as usual again once it is connected to the new master.
 *
 * @since 0.1.0
 */
@SuppressWarnings("restriction")
final class TermSignalShield {

	private static final Log logger = LogFactory.getLog(TermSignalShield.class);

	private static final Signal TERM = new Signal("TERM");

	private @Nullable SignalHandler previous;

	synchronized void hold() {
		if (this.previous == null) {
			this.previous = Signal.handle(TERM, (signal) -> logger
				.info("Ignored SIGTERM while the forker master replaces itself (its parent-death signal)"));
		}
	}

	synchronized void release() {
		SignalHandler previous = this.previous;
		if (previous != null) {
			Signal.handle(TERM, previous);
			this.previous = null;
		}
	}

}
