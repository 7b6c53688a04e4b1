package dev.forker.boot.master;

import java.nio.file.Path;
import java.time.Instant;

/**
 * Lets the tests of other packages sweep a directory of sessions.
 */
public final class SessionSweeperAccess {

	private SessionSweeperAccess() {
	}

	/**
	 * Sweep the sessions in a directory as the master does, twice, so that the files of
	 * writes cut short are old enough to be deleted.
	 * @param stateDirectory the state directory of the sessions
	 * @param maxSessions the largest number of sessions
	 */
	public static void sweepAfterPartialWrites(Path stateDirectory, int maxSessions) {
		SessionSweeper sweeper = SessionSweeper.of(stateDirectory, maxSessions, Long.MAX_VALUE, Instant::now);
		sweeper.sweep(0);
		sweeper.sweep(SessionSweeper.PARTIAL_NANOS + 1);
	}

}
