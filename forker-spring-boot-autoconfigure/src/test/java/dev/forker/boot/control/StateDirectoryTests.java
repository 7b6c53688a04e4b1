package dev.forker.boot.control;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StateDirectory}.
 */
class StateDirectoryTests {

	@TempDir
	Path temp;

	@Test
	void stateDirectoryHasASessionsDirectoryOnlyItsOwnerCanEnterAndGoesWithTheMaster() throws Exception {
		Path master = Files.createDirectory(this.temp.resolve("master"));
		Path state = StateDirectory.create(master, 1024);
		assertThat(state).isEqualTo(master.resolve(StateDirectory.LINK));
		Path sessions = StateDirectory.sessions(state);
		assertThat(sessions).isDirectory();
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(state.toRealPath())))
			.isEqualTo("rwx------");
		assertThat(StateDirectory.of(ControlServer.socketPath(master))).isEqualTo(state);
		Files.writeString(sessions.resolve("abc"), "session");
		Path target = state.toRealPath();
		assertThat(StateDirectory.create(master, 1024)).as("kept by a master that replaces itself").isEqualTo(state);
		assertThat(sessions.resolve("abc")).exists();
		StateDirectory.delete(master);
		assertThat(state).doesNotExist();
		assertThat(target).doesNotExist();
	}

	@Test
	void stateOfMastersThatAreGoneIsDeletedAndTheRestLeftAlone() throws Exception {
		Process exited = new ProcessBuilder("true").start();
		exited.waitFor();
		Path gone = state("forker-gone", StateDirectory.owner(exited.pid()));
		Path alive = state("forker-alive", StateDirectory.owner(ProcessHandle.current().pid()));
		Path beingCreated = Files.createDirectory(this.temp.resolve("forker-new"));
		Path other = state("other-gone", StateDirectory.owner(exited.pid()));
		Path otherNamespace = state("forker-container", exited.pid() + " pid:[1]");
		StateDirectory.deleteOrphans(this.temp);
		assertThat(gone).doesNotExist();
		assertThat(alive).exists();
		assertThat(beingCreated).exists();
		assertThat(other).exists();
		assertThat(otherNamespace).as("a pid of another pid namespace (container) tells nothing").exists();
	}

	private Path state(String name, String pid) throws Exception {
		Path directory = Files.createDirectory(this.temp.resolve(name));
		Files.createDirectory(directory.resolve(StateDirectory.SESSIONS));
		Files.writeString(directory.resolve(StateDirectory.SESSIONS).resolve("abc"), "session");
		Files.writeString(directory.resolve("master.pid"), pid);
		return directory;
	}

}
