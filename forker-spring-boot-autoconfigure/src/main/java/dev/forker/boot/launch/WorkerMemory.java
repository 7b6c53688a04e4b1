package dev.forker.boot.launch;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import dev.forker.boot.ForkerProperties;
import dev.forker.boot.launch.JvmMemoryOptions.Percentage;
import dev.forker.boot.launch.JvmMemoryOptions.Sized;
import dev.forker.boot.startup.JavaCommandLine;

/**
 * What N worker JVMs may claim, against the memory the deployment has.
 * <p>
 * A worker may claim its maximum heap plus its non-heap memory. The heap is the one its
 * options give it, read the way the JVM reads them ({@link JvmMemoryOptions}); the
 * non-heap memory is an estimate, measured on the MVC sample (Java 17, 15 s of load from
 * 64 clients: 126 MB committed outside the heap) and rounded up for larger applications:
 * <ul>
 * <li>metaspace: {@code -XX:MaxMetaspaceSize} when set, else 128 MB (the sample: 42 MB
 * with the class space);</li>
 * <li>code cache: 48 MB, or {@code -XX:ReservedCodeCacheSize} when lower (the JVM
 * reserves 240 MB but commits what it compiles; the sample: 22 MB);</li>
 * <li>thread stacks: 64 threads of {@code -Xss} (1 MB by default) (the sample: 13 MB for
 * 106 threads);</li>
 * <li>direct buffers: {@code -XX:MaxDirectMemorySize} when set, else 32 MB (the sample:
 * under 1 MB);</li>
 * <li>the JVM's own structures (GC, symbols, class data sharing, compiler arenas): 48 MB
 * (the sample: 44 MB).</li>
 * </ul>
 * The master adds 96 MB when it is a lightweight JVM (68 to 93 MB resident measured),
 * else its own heap and the same non-heap estimate.
 * <p>
 * Cloud Native Buildpacks' memory calculator sizes one JVM for the whole container and
 * writes {@code -Xmx}, {@code -XX:MaxDirectMemorySize}, {@code -XX:MaxMetaspaceSize},
 * {@code -XX:ReservedCodeCacheSize} and {@code -Xss} into {@code JAVA_TOOL_OPTIONS},
 * which every worker inherits. With {@code forker.worker.auto-size}, when that
 * {@code -Xmx} is the one a worker would get, each worker gets its share instead: the
 * memory, less the master, less N times the non-heap estimate (with the calculator's own
 * figures), divided by N, never more than the calculator's {@code -Xmx}.
 *
 * @since 0.1.0
 */
final class WorkerMemory {

	static final long MB = 1L << 20;

	static final long METASPACE = 128 * MB;

	static final long CODE_CACHE = 48 * MB;

	static final int THREADS = 64;

	static final long THREAD_STACK = MB;

	static final long DIRECT_MEMORY = 32 * MB;

	static final long JVM_STRUCTURES = 48 * MB;

	static final long LIGHTWEIGHT_MASTER = 96 * MB;

	/**
	 * The smallest heap share forker gives a worker in place of the buildpack's.
	 */
	static final long MIN_HEAP_SHARE = 64 * MB;

	/**
	 * The JVM's own default maximum heap, in percent of the memory.
	 */
	private static final double DEFAULT_MAX_RAM_PERCENTAGE = 25.0;

	static final String AUTO_SIZE = "forker.worker.auto-size";

	static final String COMMAND_LINE = "the command line";

	static final String JVM_ARGS = "forker.worker.jvm-args";

	private static final String JAVA_TOOL_OPTIONS = "JAVA_TOOL_OPTIONS";

	private static final List<String> CALCULATOR_OPTIONS = List.of("-Xmx", "-XX:MaxDirectMemorySize=",
			"-XX:MaxMetaspaceSize=", "-XX:ReservedCodeCacheSize=", "-Xss");

	private final MemoryLimit memory;

	private final Map<String, String> environment;

	private final List<String> commandLineOptions;

	private final List<String> jvmArgs;

	private final boolean autoSize;

	private final int processors;

	private final long master;

	/**
	 * Create a new instance.
	 * @param memory the memory the deployment has
	 * @param environment the environment the workers start with
	 * @param commandLineOptions the JVM options of the workers' command line (the
	 * master's)
	 * @param jvmArgs {@code forker.worker.jvm-args}
	 * @param autoSize {@code forker.worker.auto-size}
	 * @param processors the number of available processors
	 * @param master the memory the master takes
	 */
	WorkerMemory(MemoryLimit memory, Map<String, String> environment, List<String> commandLineOptions,
			List<String> jvmArgs, boolean autoSize, int processors, long master) {
		this.memory = memory;
		this.environment = Map.copyOf(environment);
		this.commandLineOptions = List.copyOf(commandLineOptions);
		this.jvmArgs = List.copyOf(jvmArgs);
		this.autoSize = autoSize;
		this.processors = processors;
		this.master = master;
	}

	/**
	 * Return the memory of the workers of a master.
	 * @param properties the master's properties
	 * @param commandLine the command line of the application's JVM
	 * @param processors the number of available processors
	 * @param environment the environment the workers start with
	 * @return the workers' memory
	 */
	static WorkerMemory of(ForkerProperties properties, JavaCommandLine commandLine, int processors,
			Map<String, String> environment) {
		ForkerProperties.Worker worker = properties.getWorker();
		MemoryLimit memory = MemoryLimit.detect(environment);
		long master = properties.getMaster().isLightweight() ? LIGHTWEIGHT_MASTER : Runtime.getRuntime().maxMemory()
				+ nonHeap(options(environment, List.of(), commandLine.jvmOptions(), List.of()));
		return new WorkerMemory(memory, environment, commandLine.jvmOptions(), worker.getJvmArgs(), worker.isAutoSize(),
				processors, master);
	}

	MemoryLimit memory() {
		return this.memory;
	}

	/**
	 * Return the sizing options forker puts first on a worker's command line.
	 * @param workers the number of workers
	 * @return the options, empty without {@code forker.worker.auto-size}
	 */
	List<String> sizingOptions(int workers) {
		if (!this.autoSize) {
			return List.of();
		}
		List<String> options = new ArrayList<>(WorkerJvmSizing.options(workers, this.processors));
		Long share = buildpackHeapShare(workers);
		if (share != null) {
			options.add("-Xmx" + (share / MB) + "m");
		}
		return options;
	}

	/**
	 * Return the heap each worker gets in place of the one the buildpack's memory
	 * calculator computed for a single JVM.
	 * @param workers the number of workers
	 * @return the maximum heap in bytes, rounded down to a megabyte, or {@code null} when
	 * the calculator did not size the workers' heap or no share of at least
	 * {@link #MIN_HEAP_SHARE} fits
	 */
	@Nullable Long buildpackHeapShare(int workers) {
		Sized calculated = calculatedHeap();
		if (!this.autoSize || workers < 1 || calculated == null) {
			return null;
		}
		JvmMemoryOptions options = options(this.environment, WorkerJvmSizing.options(workers, this.processors),
				this.commandLineOptions, this.jvmArgs);
		Sized heap = options.maxHeap();
		if (heap == null || !heap.source().equals(JAVA_TOOL_OPTIONS)) {
			// Another -Xmx wins over the calculator's: the user's choice
			return null;
		}
		long share = (this.memory.bytes() - this.master - workers * nonHeap(options)) / workers;
		share = Math.min(share, calculated.bytes()) / MB * MB;
		return (share >= MIN_HEAP_SHARE) ? share : null;
	}

	/**
	 * Return the {@code -Xmx} of Cloud Native Buildpacks' memory calculator: the one in
	 * {@code JAVA_TOOL_OPTIONS} beside the other four options it writes.
	 * @return the calculated maximum heap, or {@code null}
	 */
	@Nullable Sized calculatedHeap() {
		String value = this.environment.get(JAVA_TOOL_OPTIONS);
		if (value == null) {
			return null;
		}
		List<String> options = JvmMemoryOptions.split(value);
		boolean calculated = CALCULATOR_OPTIONS.stream()
			.allMatch((prefix) -> options.stream().anyMatch((option) -> option.startsWith(prefix)));
		return calculated ? new JvmMemoryOptions().add(JAVA_TOOL_OPTIONS, options).maxHeap() : null;
	}

	/**
	 * Return what a number of workers may claim.
	 * @param workers the number of workers
	 * @return the claim
	 */
	Claim claim(int workers) {
		JvmMemoryOptions options = options(this.environment, sizingOptions(workers), this.commandLineOptions,
				this.jvmArgs);
		Sized maxHeap = options.maxHeap();
		if (maxHeap != null) {
			return claim(workers, maxHeap.bytes(), maxHeap.option(), maxHeap.source(), options);
		}
		Percentage percentage = options.maxRamPercentage();
		double percent = (percentage != null) ? percentage.percent() : DEFAULT_MAX_RAM_PERCENTAGE;
		Sized maxRam = options.maxRam();
		long base = (maxRam != null) ? Math.min(maxRam.bytes(), this.memory.bytes()) : this.memory.bytes();
		long heap = (long) (base * percent / 100);
		return (percentage != null) ? claim(workers, heap, percentage.option(), percentage.source(), options)
				: claim(workers, heap, null, null, options);
	}

	private Claim claim(int workers, long heap, @Nullable String option, @Nullable String source,
			JvmMemoryOptions options) {
		return new Claim(this.memory, workers, heap, option, source, nonHeap(options), this.master,
				calculatedHeap() != null, this.autoSize);
	}

	/**
	 * Return the options of a worker in the order the JVM reads them.
	 */
	private static JvmMemoryOptions options(Map<String, String> environment, List<String> sizing,
			List<String> commandLine, List<String> jvmArgs) {
		JvmMemoryOptions options = new JvmMemoryOptions();
		for (String variable : JvmMemoryOptions.LEADING_VARIABLES) {
			options.addVariable(variable, environment.get(variable));
		}
		options.add(AUTO_SIZE, sizing);
		options.add(COMMAND_LINE, commandLine);
		options.add(JVM_ARGS, jvmArgs);
		options.addVariable(JvmMemoryOptions.TRAILING_VARIABLE, environment.get(JvmMemoryOptions.TRAILING_VARIABLE));
		return options;
	}

	/**
	 * Return the estimate of one JVM's memory outside its heap.
	 */
	static long nonHeap(JvmMemoryOptions options) {
		return metaspace(options) + codeCache(options) + threadStacks(options) + directMemory(options) + JVM_STRUCTURES;
	}

	private static long metaspace(JvmMemoryOptions options) {
		Sized metaspace = options.maxMetaspace();
		return (metaspace != null) ? metaspace.bytes() : METASPACE;
	}

	private static long codeCache(JvmMemoryOptions options) {
		Sized codeCache = options.reservedCodeCache();
		return (codeCache != null) ? Math.min(codeCache.bytes(), CODE_CACHE) : CODE_CACHE;
	}

	private static long threadStacks(JvmMemoryOptions options) {
		Sized stack = options.threadStack();
		return THREADS * ((stack != null && stack.bytes() > 0) ? stack.bytes() : THREAD_STACK);
	}

	private static long directMemory(JvmMemoryOptions options) {
		Sized direct = options.maxDirectMemory();
		return (direct != null) ? direct.bytes() : DIRECT_MEMORY;
	}

	static String format(long bytes) {
		if (bytes >= 10L << 30) {
			return String.format(Locale.ROOT, "%.1f GB", bytes / (double) (1L << 30));
		}
		if (bytes >= 1L << 30) {
			return String.format(Locale.ROOT, "%.2f GB", bytes / (double) (1L << 30));
		}
		return (bytes / MB) + " MB";
	}

	private static String format(double percent) {
		return (percent == Math.rint(percent)) ? Long.toString((long) percent)
				: String.format(Locale.ROOT, "%.2f", percent);
	}

	/**
	 * What a number of workers may claim.
	 *
	 * @param memory the memory the deployment has
	 * @param workers the number of workers
	 * @param heap the maximum heap of each worker, in bytes
	 * @param heapOption the option that gives the heap, or {@code null} for the JVM's
	 * default
	 * @param heapSource where the heap option came from ({@code JAVA_TOOL_OPTIONS},
	 * {@value WorkerMemory#JVM_ARGS}...), or {@code null} for the JVM's default
	 * @param nonHeap the estimate of each worker's non-heap memory, in bytes
	 * @param master the memory the master takes, in bytes
	 * @param buildpack whether Cloud Native Buildpacks' memory calculator wrote the
	 * options in {@code JAVA_TOOL_OPTIONS}
	 * @param autoSize whether {@code forker.worker.auto-size} is on
	 */
	record Claim(MemoryLimit memory, int workers, long heap, @Nullable String heapOption, @Nullable String heapSource,
			long nonHeap, long master, boolean buildpack, boolean autoSize) {

		long total() {
			return this.workers * (this.heap + this.nonHeap) + this.master;
		}

		boolean exceeds() {
			return total() > this.memory.bytes();
		}

		/**
		 * Return the largest heap for each worker that fits.
		 * @return the heap in bytes, rounded down to a megabyte, or a negative number
		 */
		long fittingHeap() {
			return (this.memory.bytes() - this.master - this.workers * this.nonHeap) / this.workers / MB * MB;
		}

		/**
		 * Return the largest number of workers with this heap that fits.
		 * @return the number of workers, possibly 0
		 */
		long fittingWorkers() {
			return Math.max(0, (this.memory.bytes() - this.master) / (this.heap + this.nonHeap));
		}

		/**
		 * Describe where the heap option came from.
		 * @return a phrase
		 */
		String heapOrigin() {
			String option = this.heapOption;
			String source = this.heapSource;
			if (option == null || source == null) {
				return "the JVM's default of " + format(DEFAULT_MAX_RAM_PERCENTAGE) + "% of the memory";
			}
			return option + " in " + switch (source) {
				case AUTO_SIZE -> AUTO_SIZE + " (forker's share for each worker)";
				case JVM_ARGS, COMMAND_LINE -> source;
				default -> source + ", which every worker inherits";
			};
		}

		/**
		 * Describe the figures.
		 * @return a sentence
		 */
		String describe() {
			return this.workers + " workers may claim " + format(total()) + ", more than the "
					+ format(this.memory.bytes()) + " of " + this.memory.source() + ": " + this.workers + " x ("
					+ format(this.heap) + " heap + " + format(this.nonHeap) + " estimated non-heap) + "
					+ format(this.master) + " for the master. Each heap is set by " + heapOrigin() + ".";
		}

		/**
		 * Describe the fix.
		 * @return one or more sentences
		 */
		String fix() {
			long fitting = fittingHeap();
			long workers = fittingWorkers();
			String fewer = (workers >= 1) ? "set forker.workers=" + workers : "give the deployment more memory";
			if (fitting < MIN_HEAP_SHARE) {
				return "Run fewer workers (" + fewer + ") or give the deployment more memory: at most "
						+ format(Math.max(0, fitting)) + " of heap would be left for each of " + this.workers
						+ " workers.";
			}
			String xmx = "-Xmx" + (fitting / MB) + "m";
			String option = this.heapOption;
			String source = this.heapSource;
			if (option == null || source == null || source.equals(AUTO_SIZE)) {
				return "Run fewer workers (" + fewer + "), give the deployment more memory, or set "
						+ "forker.worker.jvm-args=" + xmx + ".";
			}
			if (source.equals(JVM_ARGS)) {
				return "Set " + xmx + " in forker.worker.jvm-args in place of " + option + ", or " + fewer + ".";
			}
			if (source.equals(JvmMemoryOptions.TRAILING_VARIABLE)) {
				return "Remove " + option + " from _JAVA_OPTIONS, which wins over every other option, or lower it to "
						+ xmx + ", or " + fewer + ".";
			}
			if (this.buildpack && source.equals(JAVA_TOOL_OPTIONS)) {
				return (this.autoSize ? ""
						: "Turn forker.worker.auto-size on (it divides the buildpack's heap among "
								+ "the workers), or ")
						+ "set forker.worker.jvm-args=" + xmx + " (it wins over JAVA_TOOL_OPTIONS), or " + fewer + ".";
			}
			String share = this.autoSize ? "so that forker.worker.auto-size gives each worker its share"
					: "and set forker.worker.auto-size=true so that each worker gets its share";
			return "Remove " + option + " from " + source + " " + share + ", or set forker.worker.jvm-args=" + xmx
					+ " (it wins over " + source + "), or " + fewer + ".";
		}

	}

}
