package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Workers whose heaps do not fit in the container's memory limit: a warning, or with
 * {@code forker.worker.memory-check=fail} a refusal to start that leaves nothing behind;
 * and the buildpack memory calculator's heap shared among the workers. The MVC sample
 * runs in a memory control group of its own limited to 2 GB, the way a container runtime
 * starts a container with {@code --memory 2g}, created below this test's own group
 * (cgroup v1 or v2, where this user may); elsewhere the limit is simulated with the test
 * hook {@code FORKER_TEST_MEMORY_LIMIT}.
 */
@Tag("jdk")
class MemoryLimitIT {

	private static final long LIMIT = 2L << 30;

	private static final String CALCULATOR = "-XX:MaxDirectMemorySize=10M -Xmx1500000K -XX:MaxMetaspaceSize=100M "
			+ "-XX:ReservedCodeCacheSize=240M -Xss1M";

	private static Path group;

	@BeforeAll
	static void createGroup() {
		group = MemoryGroup.create("forker-it-memory-" + ProcessHandle.current().pid(), LIMIT);
	}

	@AfterAll
	static void deleteGroup() throws IOException {
		if (group != null) {
			Files.deleteIfExists(group);
		}
	}

	@Test
	void warnsWhenTheWorkersHeapsFromJavaToolOptionsDoNotFit() throws Exception {
		try (ForkerProcess forker = limited(ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("memory-warn")
			.withoutDefaultHeap()
			.env("JAVA_TOOL_OPTIONS", "-Xmx1200m")
			.args("--forker.workers=2")).start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			assertThat(forker.output()).contains("WARN", "2 workers may claim", "more than the 2.00 GB of " + source(),
					"Each heap is set by -Xmx1200m in JAVA_TOOL_OPTIONS, which every worker inherits",
					"forker.worker.jvm-args=-Xmx", "forker.worker.memory-check=fail refuses to start");
			for (ForkerProcess.StartedWorker worker : forker.startedWorkers()) {
				assertThat(ForkerProcess.commandLine(worker.pid())).doesNotContain("-Xmx");
			}
		}
	}

	@Test
	void refusesToStartWithMemoryCheckFailAndLeavesNothingBehind() throws Exception {
		try (ForkerProcess forker = limited(ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("memory-fail")
			.args("--forker.workers=2", "--forker.worker.jvm-args=-Xmx1200m", "--forker.worker.memory-check=fail"))
			.start()) {
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isEqualTo(1);
			assertThat(forker.output())
				.contains("APPLICATION FAILED TO START", "forker cannot start: 2 workers may claim", "of " + source(),
						"Each heap is set by -Xmx1200m in forker.worker.jvm-args",
						"With forker.worker.memory-check=fail forker refuses to start then",
						"in forker.worker.jvm-args in place of -Xmx1200m",
						"Or set forker.worker.memory-check=warn to start anyway")
				.doesNotContain("Started worker");
			assertThat(forker.process().descendants().filter(ProcessHandle::isAlive).toList()).isEmpty();
			assertThat(FreePorts.isFree(forker.port())).as("port " + forker.port() + " left free").isTrue();
		}
	}

	@Test
	void givesEachWorkerItsShareOfTheBuildpackCalculatorsHeap() throws Exception {
		try (ForkerProcess forker = limited(ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("memory-buildpack")
			.withoutDefaultHeap()
			.env("JAVA_TOOL_OPTIONS", CALCULATOR)
			.args("--forker.workers=2")).start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			// (2048 - 96 master - 2 x (100 metaspace + 48 code cache + 64 stacks + 10
			// direct + 48 JVM)) / 2 = 706 MB
			assertThat(forker.output())
				.contains("JAVA_TOOL_OPTIONS holds -Xmx1500000K from the buildpack's memory "
						+ "calculator, sized for one JVM: each of the 2 workers gets -Xmx706m instead")
				.doesNotContain("workers may claim");
			List<ForkerProcess.StartedWorker> workers = forker.startedWorkers();
			assertThat(workers).hasSize(2);
			for (ForkerProcess.StartedWorker worker : workers) {
				assertThat(ForkerProcess.commandLine(worker.pid())).contains("-Xmx706m");
			}
		}
	}

	private static ForkerProcess.Builder limited(ForkerProcess.Builder builder) {
		if (group != null) {
			return builder.wrappedIn("sh", "-c", "echo $$ > " + group.resolve("cgroup.procs") + " && exec \"$@\"",
					"sh");
		}
		return builder.env("FORKER_TEST_MEMORY_LIMIT", Long.toString(LIMIT));
	}

	private static String source() {
		return (group != null) ? "the control group limit (" : "the simulated limit FORKER_TEST_MEMORY_LIMIT";
	}

	/**
	 * A memory control group below this process's own.
	 */
	static final class MemoryGroup {

		private MemoryGroup() {
		}

		/**
		 * Create a memory control group with a limit.
		 * @param name the group's name
		 * @param limit the limit in bytes
		 * @return the group's directory, or {@code null} when none can be created here
		 */
		static Path create(String name, long limit) {
			try {
				for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
					String[] fields = line.split(":", 3);
					if (List.of(fields[1].split(",")).contains("memory")) {
						Path parent = Path.of("/sys/fs/cgroup/memory" + fields[2]);
						if (Files.isWritable(parent) && Files.isRegularFile(parent.resolve("memory.limit_in_bytes"))) {
							Path group = Files.createDirectories(parent.resolve(name));
							Files.writeString(group.resolve("memory.limit_in_bytes"), Long.toString(limit));
							return group;
						}
					}
					if (fields[0].equals("0") && fields[1].isEmpty()) {
						Path parent = Path.of("/sys/fs/cgroup" + fields[2]);
						if (Files.isWritable(parent) && Files.isRegularFile(parent.resolve("cgroup.subtree_control"))
								&& Files.readString(parent.resolve("cgroup.subtree_control")).contains("memory")) {
							Path group = Files.createDirectories(parent.resolve(name));
							Files.writeString(group.resolve("memory.max"), Long.toString(limit));
							return group;
						}
					}
				}
			}
			catch (IOException | RuntimeException ex) {
				// Not allowed here: the limit is simulated
			}
			return null;
		}

	}

}
