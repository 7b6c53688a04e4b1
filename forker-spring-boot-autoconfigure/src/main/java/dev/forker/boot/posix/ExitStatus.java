package dev.forker.boot.posix;

import jnr.constants.platform.Signal;

/**
 * How a worker process ended: with an exit code or killed by a signal.
 *
 * @param exitCode the exit code, or -1 when a signal ended the process
 * @param signal the signal that ended the process, or 0 when it exited
 * @since 0.1.0
 */
public record ExitStatus(int exitCode, int signal) {

	/**
	 * Decode a raw status from {@code waitpid}.
	 * @param status the raw status
	 * @return the exit status
	 */
	public static ExitStatus fromWaitStatus(int status) {
		int termSignal = status & 0x7f;
		if (termSignal == 0) {
			return new ExitStatus((status >> 8) & 0xff, 0);
		}
		return new ExitStatus(-1, termSignal);
	}

	/**
	 * Return whether the process was ended by a signal.
	 * @return {@code true} for a signal
	 */
	public boolean signaled() {
		return this.signal != 0;
	}

	@Override
	public String toString() {
		if (!signaled()) {
			return "exit code " + this.exitCode;
		}
		Signal known = Signal.valueOf(this.signal);
		return "signal " + this.signal + ((known != null && known.defined()) ? " (" + known.name() + ")" : "");
	}

}
