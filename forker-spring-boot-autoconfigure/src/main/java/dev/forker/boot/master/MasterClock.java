package dev.forker.boot.master;

import java.time.Instant;

/**
 * The master's time: a monotonic clock for deadlines and the wall clock for what it
 * reports.
 *
 * @since 0.1.0
 */
public interface MasterClock {

	/**
	 * The system's clocks.
	 */
	MasterClock SYSTEM = new MasterClock() {

		@Override
		public long nanoTime() {
			return System.nanoTime();
		}

		@Override
		public Instant instant() {
			return Instant.now();
		}

	};

	/**
	 * Return the monotonic time, as {@link System#nanoTime()}.
	 * @return the time in nanoseconds
	 */
	long nanoTime();

	/**
	 * Return the wall clock time.
	 * @return the instant
	 */
	Instant instant();

}
