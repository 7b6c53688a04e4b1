package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Under a CPU quota, as in a container with a CPU limit, the default number of workers is
 * the quota's, not the host's processors. The sample is started in a control group of its
 * own with a quota of one CPU, the way a container runtime starts a container with
 * {@code --cpus 1}. Needs a control group file system this user can write (root).
 */
@Tag("jdk")
class CpuQuotaIT {

	@Test
	void defaultWorkerCountFollowsTheCpuQuota() throws Exception {
		assumeThat(Runtime.getRuntime().availableProcessors()).as("processors of this machine, above the quota")
			.isGreaterThanOrEqualTo(2);
		Path group = createGroupWithOneCpu();
		assumeThat(group).as("a control group with a CPU quota (cgroup v1 or v2, writable)").isNotNull();
		try {
			String join = "echo $$ > " + group.resolve("cgroup.procs") + " && exec \"$@\"";
			try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
				.name("cpu-quota")
				.wrappedIn("sh", "-c", join, "sh")
				.start()) {
				forker.awaitOutput("All 1 workers are ready", Duration.ofSeconds(90));
				assertThat(forker.output()).contains("starting 1 workers");
				List<ForkerProcess.StartedWorker> workers = forker.startedWorkers();
				assertThat(workers).hasSize(1);
				assertThat(ForkerProcess.commandLine(workers.get(0).pid()))
					.as("worker sized for the one processor of the quota")
					.contains("-XX:ActiveProcessorCount=1");
				assertThat(HttpProbe.worker(forker.port())).map(WorkerAnswer::pid).contains(workers.get(0).pid());
			}
		}
		finally {
			Files.deleteIfExists(group);
		}
	}

	/**
	 * Create a control group limited to one CPU: 100 ms of CPU time every 100 ms.
	 * @return the group's directory, or {@code null} when none can be created here
	 */
	private static Path createGroupWithOneCpu() {
		String name = "forker-it-" + ProcessHandle.current().pid();
		Path unified = Path.of("/sys/fs/cgroup");
		Path v1 = unified.resolve("cpu");
		try {
			if (Files.isRegularFile(v1.resolve("cpu.cfs_quota_us")) && Files.isWritable(v1)) {
				Path group = Files.createDirectories(v1.resolve(name));
				Files.writeString(group.resolve("cpu.cfs_period_us"), "100000");
				Files.writeString(group.resolve("cpu.cfs_quota_us"), "100000");
				return group;
			}
			if (Files.isRegularFile(unified.resolve("cgroup.controllers")) && Files.isWritable(unified)
					&& Files.readString(unified.resolve("cgroup.subtree_control")).contains("cpu")) {
				Path group = Files.createDirectories(unified.resolve(name));
				Files.writeString(group.resolve("cpu.max"), "100000 100000");
				return group;
			}
		}
		catch (IOException ex) {
			// Not allowed here: the test is skipped
		}
		return null;
	}

}
