package dev.forker.boot.launch;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * The memory a deployment has: the limit of the control group this process runs in (the
 * container's memory limit: {@code memory.max} of cgroup v2, {@code
 * memory.limit_in_bytes} of cgroup v1, the lowest of this group's and its parents'), else
 * the physical memory.
 * <p>
 * For tests only, the environment variable {@value #SIMULATED_LIMIT_VARIABLE} (a size
 * such as {@code 2g}) stands in for a control group limit on machines where a test cannot
 * create one. It is not meant for deployments: set a real limit there.
 *
 * @param bytes the memory in bytes
 * @param source where the figure comes from, for messages
 * @since 0.1.0
 */
record MemoryLimit(long bytes, String source) {

	/**
	 * Environment variable that simulates a control group memory limit, for tests.
	 */
	static final String SIMULATED_LIMIT_VARIABLE = "FORKER_TEST_MEMORY_LIMIT";

	/**
	 * cgroup v1 writes a number close to {@code Long.MAX_VALUE} (rounded to pages) for
	 * "no limit".
	 */
	private static final long CGROUP_V1_UNLIMITED = 1L << 62;

	/**
	 * Detect the memory of this process's deployment.
	 * @param environment the environment variables, where the simulated limit may be
	 * @return the memory
	 */
	static MemoryLimit detect(Map<String, String> environment) {
		return detect(environment, Path.of("/"));
	}

	/**
	 * Detect the memory, with {@code /proc} and {@code /sys} under another root.
	 * @param environment the environment variables
	 * @param root the file system root
	 * @return the memory
	 */
	static MemoryLimit detect(Map<String, String> environment, Path root) {
		String simulated = environment.get(SIMULATED_LIMIT_VARIABLE);
		if (simulated != null) {
			Long bytes = JvmMemoryOptions.parseSize(simulated.trim(), 1);
			if (bytes != null) {
				return new MemoryLimit(bytes,
						"the simulated limit " + SIMULATED_LIMIT_VARIABLE + "=" + simulated.trim() + " (a test hook)");
			}
		}
		MemoryLimit physical = physical(root);
		MemoryLimit group = controlGroup(root);
		return (group != null && group.bytes() < physical.bytes()) ? group : physical;
	}

	private static MemoryLimit physical(Path root) {
		for (String line : lines(root.resolve("proc/meminfo"))) {
			if (line.startsWith("MemTotal:")) {
				String[] fields = line.trim().split("\\s+");
				try {
					return new MemoryLimit(Long.parseLong(fields[1]) * 1024, "the physical memory");
				}
				catch (RuntimeException ex) {
					break;
				}
			}
		}
		OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
		long total = (os instanceof com.sun.management.OperatingSystemMXBean sun) ? sun.getTotalMemorySize()
				: Runtime.getRuntime().maxMemory() * 4;
		return new MemoryLimit(total, "the physical memory");
	}

	/**
	 * Return the lowest memory limit of this process's control group and its parents.
	 */
	private static @Nullable MemoryLimit controlGroup(Path root) {
		List<String> groups = lines(root.resolve("proc/self/cgroup"));
		List<String> mounts = lines(root.resolve("proc/self/mountinfo"));
		MemoryLimit lowest = null;
		for (String group : groups) {
			String[] fields = group.split(":", 3);
			if (fields.length < 3) {
				continue;
			}
			boolean unified = fields[0].equals("0") && fields[1].isEmpty();
			boolean v1 = List.of(fields[1].split(",")).contains("memory");
			if (!unified && !v1) {
				continue;
			}
			String file = unified ? "memory.max" : "memory.limit_in_bytes";
			for (String mount : mounts) {
				Mount parsed = Mount.parse(mount);
				if (parsed == null || !(unified ? parsed.isUnified() : parsed.isMemoryV1())) {
					continue;
				}
				MemoryLimit limit = lowestLimit(root, parsed, fields[2], file);
				if (limit != null && (lowest == null || limit.bytes() < lowest.bytes())) {
					lowest = limit;
				}
			}
		}
		return lowest;
	}

	private static @Nullable MemoryLimit lowestLimit(Path root, Mount mount, String groupPath, String file) {
		String relative;
		if (mount.root().equals("/")) {
			relative = groupPath;
		}
		else if (groupPath.startsWith(mount.root())) {
			relative = groupPath.substring(mount.root().length());
		}
		else {
			relative = "";
		}
		Path top = root.resolve(mount.mountPoint().substring(1));
		Path directory = top.resolve(relative.startsWith("/") ? relative.substring(1) : relative).normalize();
		if (!directory.startsWith(top)) {
			return null;
		}
		MemoryLimit lowest = null;
		for (Path current = directory; current != null && current.startsWith(top); current = current.getParent()) {
			Path limitFile = current.resolve(file);
			List<String> content = lines(limitFile);
			if (content.isEmpty()) {
				continue;
			}
			String value = content.get(0).trim();
			try {
				long bytes = Long.parseLong(value);
				if (bytes < CGROUP_V1_UNLIMITED && (lowest == null || bytes < lowest.bytes())) {
					String shown = "/" + root.relativize(limitFile).toString().replace('\\', '/');
					lowest = new MemoryLimit(bytes, "the control group limit (" + shown + ")");
				}
			}
			catch (NumberFormatException ex) {
				// "max": no limit at this level
			}
		}
		return lowest;
	}

	private static List<String> lines(Path file) {
		try {
			return Files.readAllLines(file);
		}
		catch (IOException | RuntimeException ex) {
			return List.of();
		}
	}

	/**
	 * A line of {@code /proc/self/mountinfo}.
	 */
	private record Mount(String root, String mountPoint, String type, String superOptions) {

		static @Nullable Mount parse(String line) {
			String[] fields = line.split(" ");
			int separator = List.of(fields).indexOf("-");
			if (fields.length < 5 || separator < 0 || separator + 3 > fields.length) {
				return null;
			}
			String superOptions = (separator + 3 < fields.length) ? fields[separator + 3] : "";
			return new Mount(fields[3], fields[4], fields[separator + 1], superOptions);
		}

		boolean isUnified() {
			return this.type.equals("cgroup2");
		}

		boolean isMemoryV1() {
			return this.type.equals("cgroup") && List.of(this.superOptions.split(",")).contains("memory");
		}

	}

}
