package dev.forker.boot.launch;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.forker.boot.ForkerMemoryCheck;
import dev.forker.boot.diagnostics.ForkerMemoryExceededException;

/**
 * Compares, before a master starts anything, what its workers may claim with the memory
 * the deployment has, as {@code forker.worker.memory-check} says: a warning, a refusal to
 * start, or nothing.
 *
 * @since 0.1.0
 */
final class WorkerMemoryCheck {

	private static final Log logger = LogFactory.getLog(WorkerMemoryCheck.class);

	private WorkerMemoryCheck() {
	}

	/**
	 * Check the workers' memory.
	 * @param memory the workers' memory
	 * @param workers the number of workers
	 * @param mode what to do when they may claim more than there is
	 * @throws ForkerMemoryExceededException if they may and the mode is
	 * {@link ForkerMemoryCheck#FAIL}
	 */
	static void check(WorkerMemory memory, int workers, ForkerMemoryCheck mode) {
		if (mode == ForkerMemoryCheck.OFF) {
			return;
		}
		WorkerMemory.Claim claim = memory.claim(workers);
		if (logger.isDebugEnabled()) {
			logger.debug("Memory of " + workers + " workers: " + WorkerMemory.format(claim.total()) + " of "
					+ WorkerMemory.format(claim.memory().bytes()) + " (" + claim.memory().source() + "), heap set by "
					+ claim.heapOrigin());
		}
		if (!claim.exceeds()) {
			return;
		}
		if (mode == ForkerMemoryCheck.FAIL) {
			throw new ForkerMemoryExceededException(claim.describe(), claim.fix());
		}
		logger.warn(claim.describe() + " Under load a worker, or the whole container, could be killed for lack of "
				+ "memory. " + claim.fix() + " (" + ForkerMemoryExceededException.PROPERTY
				+ "=fail refuses to start then, =off silences this warning.)");
	}

}
