package dev.forker.boot.launch;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * The memory options a JVM ends up with, read the way the JVM reads them: every source in
 * order ({@code JAVA_TOOL_OPTIONS}, then {@code JDK_JAVA_OPTIONS}, which the launcher
 * puts before the command line, then the command line, then {@code _JAVA_OPTIONS}), the
 * last occurrence of an option winning. Each value remembers the option and the source it
 * came from, so that a warning can say where to change it.
 *
 * @since 0.1.0
 */
final class JvmMemoryOptions {

	/**
	 * Environment variables the JVM reads before its command line.
	 */
	static final List<String> LEADING_VARIABLES = List.of("JAVA_TOOL_OPTIONS", "JDK_JAVA_OPTIONS");

	/**
	 * Environment variable the JVM reads after its command line.
	 */
	static final String TRAILING_VARIABLE = "_JAVA_OPTIONS";

	private static final Pattern SIZE = Pattern.compile("(\\d+)([kKmMgGtT]?)");

	private @Nullable Sized maxHeap;

	private @Nullable Percentage maxRamPercentage;

	private @Nullable Sized maxRam;

	private @Nullable Sized maxMetaspace;

	private @Nullable Sized reservedCodeCache;

	private @Nullable Sized maxDirectMemory;

	private @Nullable Sized threadStack;

	/**
	 * Read the options of one source, after those read so far.
	 * @param source where the options come from, such as {@code JAVA_TOOL_OPTIONS}
	 * @param options the options
	 * @return this instance
	 */
	JvmMemoryOptions add(String source, List<String> options) {
		for (String option : options) {
			read(source, option);
		}
		return this;
	}

	/**
	 * Read the options of an environment variable that holds JVM options, if it is set.
	 * @param name the variable
	 * @param value its value, or {@code null}
	 * @return this instance
	 */
	JvmMemoryOptions addVariable(String name, @Nullable String value) {
		if (value != null && !value.isBlank()) {
			add(name, split(value));
		}
		return this;
	}

	static List<String> split(String value) {
		return Arrays.stream(value.trim().split("\\s+")).toList();
	}

	private void read(String source, String option) {
		if (option.startsWith("-Xmx")) {
			this.maxHeap = sized(option, option.substring(4), source, 1);
		}
		else if (option.startsWith("-XX:MaxHeapSize=")) {
			this.maxHeap = sized(option, value(option), source, 1);
		}
		else if (option.startsWith("-XX:MaxRAMPercentage=")) {
			try {
				this.maxRamPercentage = new Percentage(Double.parseDouble(value(option)), option, source);
			}
			catch (NumberFormatException ex) {
				// The JVM refuses it: nothing to estimate
			}
		}
		else if (option.startsWith("-XX:MaxRAM=")) {
			this.maxRam = sized(option, value(option), source, 1);
		}
		else if (option.startsWith("-XX:MaxMetaspaceSize=")) {
			this.maxMetaspace = sized(option, value(option), source, 1);
		}
		else if (option.startsWith("-XX:ReservedCodeCacheSize=")) {
			this.reservedCodeCache = sized(option, value(option), source, 1);
		}
		else if (option.startsWith("-XX:MaxDirectMemorySize=")) {
			this.maxDirectMemory = sized(option, value(option), source, 1);
		}
		else if (option.startsWith("-Xss")) {
			this.threadStack = sized(option, option.substring(4), source, 1);
		}
		else if (option.startsWith("-XX:ThreadStackSize=")) {
			// A bare number is in kilobytes
			this.threadStack = sized(option, value(option), source, 1024);
		}
	}

	private @Nullable Sized sized(String option, String value, String source, long unit) {
		Long bytes = parseSize(value, unit);
		return (bytes != null) ? new Sized(bytes, option, source) : null;
	}

	private static String value(String option) {
		return option.substring(option.indexOf('=') + 1);
	}

	/**
	 * Parse a size the way the JVM does: a number with an optional {@code k}, {@code m},
	 * {@code g} or {@code t} suffix.
	 * @param value the size, such as {@code 512m}
	 * @param unit the unit of a number without a suffix, in bytes
	 * @return the size in bytes, or {@code null} if it is not a size
	 */
	static @Nullable Long parseSize(String value, long unit) {
		Matcher matcher = SIZE.matcher(value);
		if (!matcher.matches()) {
			return null;
		}
		try {
			long number = Long.parseLong(matcher.group(1));
			long multiplier = switch (matcher.group(2).toLowerCase(Locale.ROOT)) {
				case "k" -> 1L << 10;
				case "m" -> 1L << 20;
				case "g" -> 1L << 30;
				case "t" -> 1L << 40;
				default -> unit;
			};
			return Math.multiplyExact(number, multiplier);
		}
		catch (ArithmeticException | NumberFormatException ex) {
			return null;
		}
	}

	@Nullable Sized maxHeap() {
		return this.maxHeap;
	}

	@Nullable Percentage maxRamPercentage() {
		return this.maxRamPercentage;
	}

	@Nullable Sized maxRam() {
		return this.maxRam;
	}

	@Nullable Sized maxMetaspace() {
		return this.maxMetaspace;
	}

	@Nullable Sized reservedCodeCache() {
		return this.reservedCodeCache;
	}

	@Nullable Sized maxDirectMemory() {
		return this.maxDirectMemory;
	}

	@Nullable Sized threadStack() {
		return this.threadStack;
	}

	/**
	 * A size option.
	 *
	 * @param bytes the size in bytes
	 * @param option the option as written, such as {@code -Xmx12g}
	 * @param source where it came from
	 */
	record Sized(long bytes, String option, String source) {

	}

	/**
	 * A percentage option.
	 *
	 * @param percent the percentage
	 * @param option the option as written
	 * @param source where it came from
	 */
	record Percentage(double percent, String option, String source) {

	}

}
