package dev.forker.boot.control;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The directory of the state that every worker of a deployment shares directly, without
 * the master on the path: HTTP sessions, one file each, and the log of cache
 * invalidations. It lives on {@code /dev/shm} (a tmpfs: memory) when the host has one
 * with room to spare, in a directory that only the owner can enter, and is reached
 * through the link {@value #LINK} in the master's private directory, so that a worker
 * finds it next to its control socket and a master that replaces itself in place, which
 * keeps its private directory, keeps it too. Elsewhere (macOS, a small {@code /dev/shm})
 * it is a directory inside the master's private directory.
 *
 * @since 0.1.0
 */
public final class StateDirectory {

	/**
	 * The name of the state directory, or of the link to it, in a master's private
	 * directory.
	 */
	public static final String LINK = "state";

	/**
	 * The directory of the HTTP sessions in the state directory: a file per session,
	 * named after it, whose modification time is the time the session expires.
	 */
	public static final String SESSIONS = "sessions";

	/**
	 * The suffix of a session file being written: it is renamed to its session's name
	 * once whole, so that a reader never sees part of a session.
	 */
	public static final String PARTIAL_SUFFIX = ".partial";

	private static final Log logger = LogFactory.getLog(StateDirectory.class);

	private static final Path SHARED_MEMORY = Path.of("/dev/shm");

	private static final String PREFIX = "forker-";

	/**
	 * The file, in a state directory on shared memory, that holds the pid of its master.
	 */
	private static final String OWNER = "master.pid";

	private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

	private StateDirectory() {
	}

	/**
	 * Return the state directory of the master whose control socket a worker connects to.
	 * @param controlSocket the control socket
	 * @return the directory (a link to it)
	 */
	public static Path of(Path controlSocket) {
		return controlSocket.toAbsolutePath().getParent().resolve(LINK);
	}

	/**
	 * Return the directory of the HTTP sessions in a state directory.
	 * @param stateDirectory the state directory
	 * @return the directory of the sessions
	 */
	public static Path sessions(Path stateDirectory) {
		return stateDirectory.resolve(SESSIONS);
	}

	/**
	 * Create the state directory of a master, unless it has one (a master that replaced
	 * itself in place keeps the state of the one it replaced).
	 * @param directory the master's private directory
	 * @param neededBytes the memory the state may take at most
	 * @return the state directory (the link to it)
	 * @throws IOException if it cannot be created
	 */
	public static Path create(Path directory, long neededBytes) throws IOException {
		Path link = directory.resolve(LINK);
		if (!Files.isDirectory(link)) {
			createLinkedDirectory(directory, link, neededBytes);
		}
		Path sessions = sessions(link);
		if (!Files.isDirectory(sessions)) {
			Files.createDirectory(sessions, ownerOnly());
		}
		return link;
	}

	private static void createLinkedDirectory(Path directory, Path link, long neededBytes) throws IOException {
		Path sharedMemory = sharedMemory(neededBytes);
		if (sharedMemory != null) {
			deleteOrphans(sharedMemory);
			Path target = Files.createTempDirectory(sharedMemory, PREFIX, ownerOnly());
			try {
				Files.writeString(target.resolve(OWNER), owner(ProcessHandle.current().pid()));
				Files.createSymbolicLink(link, target);
				return;
			}
			catch (IOException | UnsupportedOperationException ex) {
				Files.deleteIfExists(target);
				logger.debug("Could not link " + link + " to " + target + ": the state stays in " + directory, ex);
			}
		}
		Files.createDirectory(link, ownerOnly());
	}

	/**
	 * Delete the state directory of a master with everything in it.
	 * @param directory the master's private directory
	 */
	public static void delete(Path directory) {
		Path link = directory.resolve(LINK);
		try {
			if (Files.isSymbolicLink(link)) {
				Path target = Files.readSymbolicLink(link);
				deleteTree(target);
				Files.deleteIfExists(link);
			}
			else if (Files.isDirectory(link, LinkOption.NOFOLLOW_LINKS)) {
				deleteTree(link);
			}
		}
		catch (IOException ex) {
			logger.debug("Could not delete the shared state in " + link, ex);
		}
	}

	/**
	 * Delete the state directories in shared memory of this user's masters that are gone
	 * (killed with {@code SIGKILL}, so that they could not delete theirs): memory that
	 * would otherwise stay taken until the host restarts.
	 * @param sharedMemory the shared memory's directory
	 */
	static void deleteOrphans(Path sharedMemory) {
		try (DirectoryStream<Path> directories = Files.newDirectoryStream(sharedMemory, PREFIX + "*")) {
			for (Path directory : directories) {
				try {
					if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS) || !Files.isWritable(directory)) {
						continue;
					}
					String[] owner = Files.readString(directory.resolve(OWNER)).trim().split(" ", 2);
					long pid = Long.parseLong(owner[0]);
					// A pid means nothing in another pid namespace (another container
					// that shares /dev/shm): only a master of this one can be known gone
					boolean sameNamespace = owner.length == 2 && owner[1].equals(pidNamespace());
					if (sameNamespace && ProcessHandle.of(pid).isEmpty()) {
						deleteTree(directory);
						logger.info("Deleted " + directory + ", the shared state of a forker master (pid " + pid
								+ ") that is gone");
					}
				}
				catch (IOException | NumberFormatException ex) {
					// Not a master's, or being created: left alone
				}
			}
		}
		catch (IOException ex) {
			logger.debug("Could not look for the state of masters that are gone in " + sharedMemory, ex);
		}
	}

	/**
	 * Return what the owner file of a state directory holds: the master's pid and its pid
	 * namespace.
	 * @param pid the master's pid
	 * @return the content of the owner file
	 */
	static String owner(long pid) {
		return pid + " " + pidNamespace();
	}

	private static String pidNamespace() {
		try {
			return Files.readSymbolicLink(Path.of("/proc/self/ns/pid")).toString();
		}
		catch (IOException | UnsupportedOperationException | SecurityException ex) {
			return "unknown";
		}
	}

	private static void deleteTree(Path path) throws IOException {
		if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
			try (DirectoryStream<Path> entries = Files.newDirectoryStream(path)) {
				for (Path entry : entries) {
					deleteTree(entry);
				}
			}
		}
		Files.deleteIfExists(path);
	}

	private static @Nullable Path sharedMemory(long neededBytes) {
		try {
			if (!Files.isDirectory(SHARED_MEMORY) || !Files.isWritable(SHARED_MEMORY)) {
				return null;
			}
			FileStore store = Files.getFileStore(SHARED_MEMORY);
			// Room for the state twice over: /dev/shm is shared with the rest of the
			// host (64 MB in a Docker container by default)
			if (store.getUsableSpace() < 2 * neededBytes) {
				logger.info("Shared state (HTTP sessions, cache invalidations) is kept in the master's private "
						+ "directory rather than in " + SHARED_MEMORY + ", which has " + store.getUsableSpace()
						+ " bytes free, less than twice forker.sessions.max-memory (" + neededBytes + " bytes)");
				return null;
			}
			return SHARED_MEMORY;
		}
		catch (IOException | SecurityException ex) {
			return null;
		}
	}

	private static FileAttribute<Set<PosixFilePermission>> ownerOnly() {
		return PosixFilePermissions.asFileAttribute(OWNER_ONLY);
	}

}
