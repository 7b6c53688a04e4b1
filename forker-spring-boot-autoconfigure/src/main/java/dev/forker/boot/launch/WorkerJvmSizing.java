package dev.forker.boot.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Sizes each worker JVM for its share of the machine. N JVMs that each size themselves
 * for the whole machine overcommit it: each would take a quarter of the RAM for its heap
 * and as many GC and compiler threads as there are processors.
 * <p>
 * The options go before the application's own JVM options, so that any heap or processor
 * option the user gives (on the command line, in {@code forker.worker.jvm-args} or in
 * {@code JAVA_TOOL_OPTIONS}) wins.
 *
 * @since 0.1.0
 */
final class WorkerJvmSizing {

	/**
	 * The JVM's own default: the maximum heap is a quarter of the RAM.
	 */
	private static final double DEFAULT_MAX_RAM_PERCENTAGE = 25.0;

	private WorkerJvmSizing() {
	}

	/**
	 * Return the JVM options that give each of {@code workers} JVMs its share.
	 * @param workers the number of workers
	 * @param processors the number of available processors
	 * @return the options
	 */
	static List<String> options(int workers, int processors) {
		List<String> options = new ArrayList<>();
		options.add(String.format(Locale.ROOT, "-XX:MaxRAMPercentage=%.2f", DEFAULT_MAX_RAM_PERCENTAGE / workers));
		options.add("-XX:ActiveProcessorCount=" + Math.max(1, processors / workers));
		return options;
	}

}
