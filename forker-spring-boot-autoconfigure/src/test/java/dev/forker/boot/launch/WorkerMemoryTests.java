package dev.forker.boot.launch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.forker.boot.ForkerMemoryCheck;
import dev.forker.boot.diagnostics.ForkerMemoryExceededException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link JvmMemoryOptions}, {@link MemoryLimit}, {@link WorkerMemory} and
 * {@link WorkerMemoryCheck}.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkerMemoryTests {

	private static final long MB = WorkerMemory.MB;

	private static final long GB = 1024 * MB;

	private static final String CALCULATOR = "-XX:MaxDirectMemorySize=10M -Xmx1453063K -XX:MaxMetaspaceSize=107448K "
			+ "-XX:ReservedCodeCacheSize=240M -Xss1M";

	@Test
	void parsesSizesLikeTheJvm() {
		assertThat(JvmMemoryOptions.parseSize("512m", 1)).isEqualTo(512 * MB);
		assertThat(JvmMemoryOptions.parseSize("12G", 1)).isEqualTo(12 * GB);
		assertThat(JvmMemoryOptions.parseSize("1453063K", 1)).isEqualTo(1453063L * 1024);
		assertThat(JvmMemoryOptions.parseSize("1048576", 1)).isEqualTo(MB);
		assertThat(JvmMemoryOptions.parseSize("1024", 1024)).isEqualTo(MB);
		assertThat(JvmMemoryOptions.parseSize("12x", 1)).isNull();
		assertThat(JvmMemoryOptions.parseSize("99999999999999999999", 1)).isNull();
	}

	@Test
	void lastOptionWinsAndRemembersItsSource() {
		JvmMemoryOptions options = new JvmMemoryOptions().addVariable("JAVA_TOOL_OPTIONS", " -Xmx12g  -Xss512k ")
			.add("the command line", List.of("-XX:MaxHeapSize=2g", "-XX:ThreadStackSize=2048"))
			.add("forker.worker.jvm-args", List.of("-XX:MaxRAMPercentage=40", "-XX:MaxMetaspaceSize=256m"));
		assertThat(options.maxHeap())
			.isEqualTo(new JvmMemoryOptions.Sized(2 * GB, "-XX:MaxHeapSize=2g", "the command line"));
		assertThat(options.threadStack().bytes()).isEqualTo(2 * MB);
		assertThat(options.maxRamPercentage().percent()).isEqualTo(40.0);
		assertThat(options.maxMetaspace().bytes()).isEqualTo(256 * MB);
		assertThat(options.reservedCodeCache()).isNull();
	}

	@Test
	void twelveGigabyteHeapsFromJavaToolOptionsExceedTheMachine() {
		WorkerMemory memory = memory(24 * GB, Map.of("JAVA_TOOL_OPTIONS", "-Xmx12g"), List.of(), List.of(), true);
		WorkerMemory.Claim claim = memory.claim(4);
		assertThat(claim.heap()).isEqualTo(12 * GB);
		assertThat(claim.nonHeap()).isEqualTo(320 * MB);
		assertThat(claim.total()).isEqualTo(4 * (12 * GB + 320 * MB) + 96 * MB);
		assertThat(claim.exceeds()).isTrue();
		assertThat(claim.describe()).isEqualTo("4 workers may claim 49.3 GB, more than the 24.0 GB of "
				+ "the physical memory: 4 x (12.0 GB heap + 320 MB estimated non-heap) + 96 MB for the master. "
				+ "Each heap is set by -Xmx12g in JAVA_TOOL_OPTIONS, which every worker inherits.");
		assertThat(claim.fix()).isEqualTo("Remove -Xmx12g from JAVA_TOOL_OPTIONS so that forker.worker.auto-size "
				+ "gives each worker its share, or set forker.worker.jvm-args=-Xmx5800m (it wins over "
				+ "JAVA_TOOL_OPTIONS), or set forker.workers=1.");
	}

	@Test
	void autoSizedWorkersFit() {
		WorkerMemory memory = memory(1 * GB, Map.of(), List.of(), List.of(), true);
		WorkerMemory.Claim claim = memory.claim(2);
		assertThat(claim.heap()).isEqualTo(128 * MB);
		assertThat(claim.heapOrigin())
			.isEqualTo("-XX:MaxRAMPercentage=12.50 in forker.worker.auto-size (forker's share for each worker)");
		assertThat(claim.exceeds()).isFalse();
	}

	@Test
	void tooManyWorkersForTheMemoryNeedFewerWorkers() {
		WorkerMemory.Claim claim = memory(1 * GB, Map.of(), List.of(), List.of(), true).claim(8);
		assertThat(claim.exceeds()).isTrue();
		assertThat(claim.fix())
			.startsWith("Run fewer workers (set forker.workers=2) or give the deployment more " + "memory");
	}

	@Test
	void heapFromJvmArgsIsFixedThere() {
		WorkerMemory.Claim claim = memory(2 * GB, Map.of(), List.of("-Xmx256m"), List.of("-Xmx1g"), true).claim(2);
		assertThat(claim.heapOrigin()).isEqualTo("-Xmx1g in forker.worker.jvm-args");
		assertThat(claim.fix())
			.isEqualTo("Set -Xmx656m in forker.worker.jvm-args in place of -Xmx1g, or set " + "forker.workers=1.");
	}

	@Test
	void javaOptionsWinOverEverything() {
		WorkerMemory.Claim claim = memory(2 * GB, Map.of("_JAVA_OPTIONS", "-Xmx3g"), List.of(), List.of("-Xmx256m"),
				true)
			.claim(2);
		assertThat(claim.heapOrigin()).isEqualTo("-Xmx3g in _JAVA_OPTIONS, which every worker inherits");
		assertThat(claim.fix()).startsWith("Remove -Xmx3g from _JAVA_OPTIONS, which wins over every other option");
	}

	@Test
	void autoSizeWinsOverAPercentageInJavaToolOptions() {
		WorkerMemory.Claim claim = memory(4 * GB, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"), List.of(),
				List.of(), true)
			.claim(2);
		assertThat(claim.heap()).isEqualTo(512 * MB);
		WorkerMemory.Claim unsized = memory(4 * GB, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75"), List.of(),
				List.of(), false)
			.claim(2);
		assertThat(unsized.heap()).isEqualTo(3 * GB);
		assertThat(unsized.exceeds()).isTrue();
		assertThat(unsized.fix()).contains("set forker.worker.auto-size=true");
	}

	@Test
	void recognisesTheBuildpackMemoryCalculator() {
		WorkerMemory memory = memory(2 * GB, Map.of("JAVA_TOOL_OPTIONS", "-XX:ActiveProcessorCount=2 " + CALCULATOR),
				List.of(), List.of(), true);
		assertThat(memory.calculatedHeap().option()).isEqualTo("-Xmx1453063K");
		// (2048 - 96 - 2 x (105 metaspace + 48 code cache + 64 stacks + 10 direct + 48))
		// / 2
		assertThat(memory.buildpackHeapShare(2)).isEqualTo(701 * MB);
		assertThat(memory.sizingOptions(2)).containsExactly("-XX:MaxRAMPercentage=12.50", "-XX:ActiveProcessorCount=1",
				"-Xmx701m");
		assertThat(memory.claim(2).exceeds()).isFalse();
		// Never more than the calculator's own heap
		assertThat(memory.buildpackHeapShare(1)).isEqualTo(1453063L * 1024 / MB * MB);
	}

	@Test
	void doesNotReplaceTheBuildpackHeapWhenTheUserOverridesItOrAutoSizeIsOff() {
		Map<String, String> environment = Map.of("JAVA_TOOL_OPTIONS", CALCULATOR);
		assertThat(memory(2 * GB, environment, List.of(), List.of("-Xmx512m"), true).buildpackHeapShare(2)).isNull();
		WorkerMemory unsized = memory(2 * GB, environment, List.of(), List.of(), false);
		assertThat(unsized.buildpackHeapShare(2)).isNull();
		WorkerMemory.Claim claim = unsized.claim(2);
		assertThat(claim.exceeds()).isTrue();
		assertThat(claim.fix()).startsWith("Turn forker.worker.auto-size on");
	}

	@Test
	void noShareWhenTheWorkersDoNotFitAtAll() {
		WorkerMemory memory = memory(512 * MB, Map.of("JAVA_TOOL_OPTIONS", CALCULATOR), List.of(), List.of(), true);
		assertThat(memory.buildpackHeapShare(4)).isNull();
		assertThat(memory.claim(4).fix()).startsWith("Run fewer workers");
	}

	@Test
	void checkWarnsWithTheFigures(CapturedOutput output) {
		WorkerMemory memory = memory(24 * GB, Map.of("JAVA_TOOL_OPTIONS", "-Xmx12g"), List.of(), List.of(), true);
		WorkerMemoryCheck.check(memory, 4, ForkerMemoryCheck.WARN);
		assertThat(output).contains("4 workers may claim 49.3 GB", "forker.worker.memory-check=fail refuses");
	}

	@Test
	void checkFailsWhenAskedTo() {
		WorkerMemory memory = memory(24 * GB, Map.of("JAVA_TOOL_OPTIONS", "-Xmx12g"), List.of(), List.of(), true);
		assertThatExceptionOfType(ForkerMemoryExceededException.class)
			.isThrownBy(() -> WorkerMemoryCheck.check(memory, 4, ForkerMemoryCheck.FAIL))
			.withMessageStartingWith("4 workers may claim 49.3 GB")
			.satisfies((ex) -> assertThat(ex.getAction()).contains("forker.worker.jvm-args=-Xmx5800m"));
	}

	@Test
	void checkIsSilentWhenOffOrWhenTheWorkersFit(CapturedOutput output) {
		WorkerMemory memory = memory(24 * GB, Map.of("JAVA_TOOL_OPTIONS", "-Xmx12g"), List.of(), List.of(), true);
		WorkerMemoryCheck.check(memory, 4, ForkerMemoryCheck.OFF);
		WorkerMemoryCheck.check(memory(24 * GB, Map.of(), List.of(), List.of(), true), 4, ForkerMemoryCheck.FAIL);
		assertThat(output).doesNotContain("may claim");
	}

	@Test
	void readsTheLowestCgroupV2LimitOfTheGroupAndItsParents(@TempDir Path root) throws IOException {
		write(root, "proc/meminfo", "MemTotal:       24683520 kB\nMemFree:  1 kB\n");
		write(root, "proc/self/cgroup", "0::/kubepods/pod1/app\n");
		write(root, "proc/self/mountinfo",
				"30 23 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw\n");
		write(root, "sys/fs/cgroup/kubepods/pod1/app/memory.max", "max\n");
		write(root, "sys/fs/cgroup/kubepods/pod1/memory.max", "2147483648\n");
		write(root, "sys/fs/cgroup/kubepods/memory.max", "8589934592\n");
		MemoryLimit limit = MemoryLimit.detect(Map.of(), root);
		assertThat(limit.bytes()).isEqualTo(2 * GB);
		assertThat(limit.source()).isEqualTo("the control group limit (/sys/fs/cgroup/kubepods/pod1/memory.max)");
	}

	@Test
	void readsACgroupV1LimitInsideAContainer(@TempDir Path root) throws IOException {
		write(root, "proc/meminfo", "MemTotal:       24683520 kB\n");
		write(root, "proc/self/cgroup", "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n");
		write(root, "proc/self/mountinfo",
				"40 35 0:33 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n"
						+ "41 35 0:34 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro,nosuid - cgroup cgroup rw,cpu,cpuacct\n");
		write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "1073741824\n");
		assertThat(MemoryLimit.detect(Map.of(), root).bytes()).isEqualTo(GB);
	}

	@Test
	void fallsBackToThePhysicalMemoryWithoutALimit(@TempDir Path root) throws IOException {
		write(root, "proc/meminfo", "MemTotal:       24683520 kB\n");
		write(root, "proc/self/cgroup", "4:memory:/\n");
		write(root, "proc/self/mountinfo", "40 35 0:33 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n");
		write(root, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
		MemoryLimit limit = MemoryLimit.detect(Map.of(), root);
		assertThat(limit).isEqualTo(new MemoryLimit(24683520L * 1024, "the physical memory"));
	}

	@Test
	void aTestCanSimulateALimit(@TempDir Path root) {
		MemoryLimit limit = MemoryLimit.detect(Map.of(MemoryLimit.SIMULATED_LIMIT_VARIABLE, "1g"), root);
		assertThat(limit.bytes()).isEqualTo(GB);
		assertThat(limit.source()).contains("FORKER_TEST_MEMORY_LIMIT=1g", "test hook");
	}

	private static WorkerMemory memory(long bytes, Map<String, String> environment, List<String> commandLine,
			List<String> jvmArgs, boolean autoSize) {
		return new WorkerMemory(new MemoryLimit(bytes, "the physical memory"), environment, commandLine, jvmArgs,
				autoSize, 2, WorkerMemory.LIGHTWEIGHT_MASTER);
	}

	private static void write(Path root, String path, String content) throws IOException {
		Path file = root.resolve(path);
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}

}
