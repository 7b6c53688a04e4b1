package dev.forker.boot.launch;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.forker.boot.master.WorkerProcesses;
import dev.forker.boot.ports.PassedSockets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tests for {@link UpgradeState}.
 */
class UpgradeStateTests {

	private static final Instant STARTED = Instant.parse("2026-12-06T10:15:30.123Z");

	@TempDir
	Path directory;

	private final UpgradeState state = new UpgradeState(Path.of("/tmp/forker-1"),
			List.of(new UpgradeState.Socket(3, "server.port", "127.0.0.1", 8080),
					new UpgradeState.Socket(4, "management.server.port", "0.0.0.0", 8081)),
			true, List.of(new WorkerProcesses.Started(1, 4711, "token-1", STARTED),
					new WorkerProcesses.Started(2, 4712, "token-2", STARTED)));

	@Test
	void stateIsWrittenToAFileOnlyItsUserCanReadAndReadBackOnce() throws IOException {
		Path file = this.directory.resolve("upgrade.json");
		this.state.write(file);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)))
			.isEqualTo("rw-------");
		UpgradeState read = UpgradeState.read(UpgradeState.VARIABLE, file);
		assertThat(read).isEqualTo(this.state);
		assertThat(file).as("deleted once read").doesNotExist();
	}

	@Test
	void writingReplacesAFileThatOthersCouldReadWithAPrivateOne() throws IOException {
		Path file = this.directory.resolve("upgrade.json");
		Files.writeString(file, "left over", StandardCharsets.UTF_8);
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
		this.state.write(file);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		assertThat(UpgradeState.read(UpgradeState.VARIABLE, file)).isEqualTo(this.state);
	}

	@Test
	void newMasterTakesTheSocketsAndAdoptsTheWorkersAsStartedNow() {
		Instant before = Instant.now();
		assertThat(this.state.passedSockets().sockets()).containsExactly(
				new PassedSockets.Passed(3, "server.port", new InetSocketAddress("127.0.0.1", 8080)),
				new PassedSockets.Passed(4, "management.server.port", new InetSocketAddress("0.0.0.0", 8081)));
		List<WorkerProcesses.Started> adopted = this.state.adoptedWorkers();
		assertThat(adopted).extracting(WorkerProcesses.Started::workerId).containsExactly(1, 2);
		assertThat(adopted).extracting(WorkerProcesses.Started::pid).containsExactly(4711L, 4712L);
		assertThat(adopted).extracting(WorkerProcesses.Started::token).containsExactly("token-1", "token-2");
		assertThat(adopted).allSatisfy((worker) -> assertThat(worker.startedAt()).isAfterOrEqualTo(before));
	}

	@Test
	void refusesAFileThatIsNoJson() throws IOException {
		Path file = privateFile("{\"directory\": \"/tmp/forker-1\", \"sockets\": [");
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.VARIABLE, file))
			.withMessageContaining("Refused the state of the replaced forker master in " + file)
			.withMessageContaining("(named by the environment variable FORKER_UPGRADE_STATE)")
			.withMessageContaining("is no forker master state")
			.withMessageContaining("do not set FORKER_UPGRADE_STATE yourself, and start the deployment again");
	}

	@Test
	void refusesJsonThatIsNoState() throws IOException {
		Path file = privateFile("{\"name\": \"something else\", \"version\": 2}");
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.CHECK_VARIABLE, file))
			.withMessageContaining("(named by the environment variable FORKER_UPGRADE_CHECK)")
			.withMessageContaining("is no forker master state (not the JSON a forker master writes)");
		Files.delete(file);
		Path partial = privateFile("{\"name\": \"something else\", \"socketsPassed\": false}");
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.CHECK_VARIABLE, partial))
			.withMessageContaining("directory, sockets or workers missing");
	}

	@Test
	void refusesAFileOthersCanReadOrWrite() throws IOException {
		Path file = this.directory.resolve("upgrade.json");
		this.state.write(file);
		Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.VARIABLE, file))
			.withMessageContaining("can be read or written by others (mode rw-r--r--)");
		assertThat(file).as("kept for a look").exists();
	}

	@Test
	void refusesASymbolicLink() throws IOException {
		Path target = this.directory.resolve("upgrade.json");
		this.state.write(target);
		Path link = Files.createSymbolicLink(this.directory.resolve("link.json"), target);
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.VARIABLE, link))
			.withMessageContaining("is a symbolic link");
		assertThat(target).exists();
	}

	@Test
	void refusesAMissingFile() {
		Path file = this.directory.resolve("missing.json");
		assertThatIllegalStateException().isThrownBy(() -> UpgradeState.read(UpgradeState.VARIABLE, file))
			.withMessageContaining("is not a regular file");
	}

	private Path privateFile(String content) throws IOException {
		Path file = this.directory.resolve("upgrade.json");
		Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		Files.writeString(file, content, StandardCharsets.UTF_8);
		return file;
	}

}
